import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DatabaseAlreadyExistsError,
  DatabaseInUseError,
  DatabaseManager,
  DatabaseNotFoundError,
  OperationCancelledError,
  ProviderNotRegisteredError,
  UnsupportedOperationError,
  ValidationError,
  registerProvider,
  unregisterProvider,
  type Database,
  type GdsError,
} from './index.js';
import { MemoryDatabase, memoryProvider, type MemoryConnection, type MemoryServer } from '../test/memory-provider.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-core-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let provider: ReturnType<typeof memoryProvider>;
let manager: DatabaseManager;
let server: MemoryServer;

beforeEach(async () => {
  provider = memoryProvider();
  registerProvider(provider);
  manager = await DatabaseManager.connect('memory://tester@local/main');
  server = (manager.connection as MemoryConnection).server;
});
afterEach(async () => {
  await manager.close();
  unregisterProvider('sqlite');
});

const rejection = async (p: Promise<unknown>): Promise<GdsError> => {
  try {
    await p;
  } catch (e) {
    return e as GdsError;
  }
  throw new Error('expected a rejection');
};

describe('DatabaseManager', () => {
  it('connects by URL scheme or config type, and by an existing connection', async () => {
    expect(manager.type).toBe('sqlite');
    const byConfig = await DatabaseManager.connect({ type: 'sqlite', host: 'other' });
    expect(byConfig.connection.endpoint).toBe('other');
    const wrapped = new DatabaseManager(byConfig.connection);
    expect(wrapped.provider).toBe(provider);
    await byConfig.close();
    expect(() => new DatabaseManager({} as never)).toThrow(ValidationError);
    await expect(DatabaseManager.connect(42 as never)).rejects.toThrow(ValidationError);
  });

  it('says which schemes are registered and what to install for a scheme no engine accepts', async () => {
    const e = await rejection(DatabaseManager.connect('postgres://app:pw-in-url@db/x'));
    expect(ProviderNotRegisteredError.isInstance(e)).toBe(true);
    expect(e.message).toContain("No registered engine accepts URLs of scheme 'postgres://' (registered: ");
    expect(e.hint).toContain("install the gds engine package for 'postgres'");
    expect(e.message).not.toContain('pw-in-url');
  });

  it('maps connection errors through the engine table without leaking the URL password', async () => {
    await expect(DatabaseManager.connect('memory://u:wrong-password@x/db')).rejects.toThrow(/auth failed/);
    const e = await rejection(DatabaseManager.connect('memory://u:wrong-password@x/db'));
    expect(e.message).not.toContain('wrong-password');
  });

  it('creates, finds, lists and drops databases', async () => {
    expect(await manager.databaseExists('app')).toBe(false);
    const created = await manager.createDatabase('app');
    expect(created.isSuccess()).toBe(true);
    expect(created.statements).toEqual(['CREATE DATABASE "app"']);
    expect(await manager.databaseExists('app')).toBe(true);
    await manager.createDatabase('other');
    const listed = await manager.listDatabases();
    expect(listed.map((d) => d.name).sort()).toEqual(['app', 'other']);
    expect(listed[0]?.cachedMetadata).toBeUndefined();
    const dropped = await manager.dropDatabase('app');
    expect(dropped.statements).toEqual(['DROP DATABASE "app"']);
    expect(await manager.databaseExists('app')).toBe(false);
  });

  it('listDatabases({ withMetadata }) seeds every cache from one listing query', async () => {
    for (const n of ['a', 'b', 'c']) await manager.createDatabase(n);
    const fetchesBefore = server.metadataFetches;
    const dbs = await manager.listDatabases({ withMetadata: true });
    const metas = await Promise.all(dbs.map((d) => d.metadata()));
    expect(metas.map((m) => m.name).sort()).toEqual(['a', 'b', 'c']);
    expect(server.metadataFetches).toBe(fetchesBefore);
    expect(server.listQueries).toBe(1);
  });

  it('validates listDatabases options and returns server metadata', async () => {
    await expect(manager.listDatabases({ withMetdata: true } as never)).rejects.toThrow(ValidationError);
    const meta = await manager.getServerMetadata();
    expect(meta).toMatchObject({ type: 'sqlite', version: '1.0', endpoint: manager.connection.endpoint });
    await expect(manager.getServerMetadata({ signal: AbortSignal.abort() })).rejects.toThrow(OperationCancelledError);
  });

  it('close() closes the connection once; await using closes it too', async () => {
    const conn = manager.connection as MemoryConnection;
    await manager.close();
    await manager.close();
    expect(conn.closed).toBe(1);
    let inner: MemoryConnection | undefined;
    {
      await using m = await DatabaseManager.connect('memory://x/y');
      inner = m.connection as MemoryConnection;
    }
    expect(inner.closed).toBe(1);
  });
});

describe('DatabaseManager.connect(engine, target): typed by the engine', () => {
  it('hands out the engine\'s own Database class, typed, and refuses a target of another engine', async () => {
    const typed = await DatabaseManager.connect(provider, 'memory://tester@local/typed');
    try {
      const db: MemoryDatabase = typed.getDatabase('app'); // compiles only because the manager is typed
      expect(db).toBeInstanceOf(MemoryDatabase);
      const listed: MemoryDatabase[] = await typed.listDatabases();
      expect(Array.isArray(listed)).toBe(true);
    } finally {
      await typed.close();
    }
    const e = await rejection(DatabaseManager.connect(provider, 'postgres://u:secret-pw@h/db'));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(e.message).toBe('Not a Memory (test engine) target: (value): expected a URL of scheme sqlite:// or memory://, or a config of type \'sqlite\'');
    expect(e.message).not.toContain('secret-pw');
  });
});

describe('Database template methods', () => {
  let db: Database;
  beforeEach(async () => {
    db = manager.getDatabase('app');
    await db.create();
  });

  it('getMetadata is fresh, metadata() is cached, refreshMetadata() refetches', async () => {
    const before = server.metadataFetches;
    const m1 = await db.metadata();
    expect(m1).toMatchObject({ name: 'app', type: 'sqlite', state: 'online', accessMode: 'multi_user' });
    await db.metadata();
    expect(server.metadataFetches).toBe(before + 1);
    await db.setOffline();
    expect((await db.metadata()).state).toBe('online'); // cached
    expect((await db.refreshMetadata()).state).toBe('offline');
    expect((await db.getMetadata()).state).toBe('offline');
    expect(server.metadataFetches).toBe(before + 3);
  });

  it('getMetadata and getState reject with DatabaseNotFoundError for a missing database', async () => {
    const missing = manager.getDatabase('nope');
    const e = await rejection(missing.getMetadata());
    expect(DatabaseNotFoundError.isInstance(e)).toBe(true);
    expect(e.message).toBe("Database 'nope' does not exist on memory://local/main");
    expect(e.hint).toMatch(/create it first/);
    expect(DatabaseNotFoundError.isInstance(await rejection(missing.getState()))).toBe(true);
  });

  it('create twice rejects with DatabaseAlreadyExistsError carrying the failed result', async () => {
    const e = await rejection(db.create());
    expect(DatabaseAlreadyExistsError.isInstance(e)).toBe(true);
    expect(e.operation).toBe('create');
    expect(e.result?.isSuccess()).toBe(false);
  });

  it('dry runs change nothing and list the statements', async () => {
    const executed = server.executed.length;
    const results = [
      await db.drop({ dryRun: true }),
      await db.setOffline({ dryRun: true }),
      await db.setSingleUserMode({ dryRun: true }),
      await manager.getDatabase('new').create({ dryRun: true }),
    ];
    expect(results.map((r) => r.statements[0])).toEqual([
      'DROP DATABASE "app"',
      'ALTER DATABASE "app" SET OFFLINE',
      'ALTER DATABASE "app" SET SINGLE_USER',
      'CREATE DATABASE "new"',
    ]);
    expect(results.every((r) => r.dryRun)).toBe(true);
    expect(server.executed.slice(executed).filter((s) => !s.startsWith('SELECT'))).toEqual([]);
    expect(await manager.databaseExists('new')).toBe(false);
    expect((await db.getMetadata()).state).toBe('online');
  });

  it('refuses to drop a database in use unless forced', async () => {
    server.databases.get('app')!.sessions = 2;
    const e = await rejection(db.drop());
    expect(DatabaseInUseError.isInstance(e)).toBe(true);
    expect((e as DatabaseInUseError).sessions).toBe(2);
    expect(await db.exists()).toBe(true);
    const forced = await db.drop({ force: true });
    expect(forced.statements).toEqual(['DROP DATABASE "app" WITH (FORCE)']);
    expect(await db.exists()).toBe(false);
  });

  it('state and access round trips are visible in getState and metadata', async () => {
    await db.setOffline();
    expect(await db.getState()).toBe('offline');
    await db.setOnline();
    expect(await db.getState()).toBe('online');
    await db.setSingleUserMode();
    expect((await db.getMetadata()).accessMode).toBe('single_user');
    await db.setMultiUserMode();
    expect((await db.getMetadata()).accessMode).toBe('multi_user');
  });

  it('rejects unsupported operations with the engine, the operation and the reason', async () => {
    expect(db.supports('access.restrictedUser')).toBe(false);
    const e = await rejection(db.setRestrictedUserMode());
    expect(UnsupportedOperationError.isInstance(e)).toBe(true);
    expect(e.message).toBe('sqlite does not support setRestrictedUserMode (access.restrictedUser): the memory engine has no privileged users');
    const diff = await rejection(db.backup(join(tmp, 'x.json'), { type: 'differential' }));
    expect(diff.message).toContain('a memory backup is always a whole copy');
    expect(UnsupportedOperationError.isInstance(await rejection(db.backup(join(tmp, 'x.json'), { type: 'transaction_log' })))).toBe(true);
  });

  it('validates options and names before anything is sent', async () => {
    const executed = server.executed.length;
    await expect(db.drop({ force: 'yes' } as never)).rejects.toThrow(ValidationError);
    await expect(db.backup('')).rejects.toThrow(ValidationError);
    await expect(db.restore(42 as never)).rejects.toThrow(ValidationError);
    await expect(db.listTables('')).rejects.toThrow(ValidationError);
    await expect(db.exists({ timeoutMs: -1 })).rejects.toThrow(ValidationError);
    expect(() => manager.getDatabase('x'.repeat(64))).toThrow(ValidationError);
    expect(() => manager.getDatabase('')).toThrow(ValidationError);
    expect(server.executed.length).toBe(executed);
  });

  it('backs up with progress and messages, verifies, and restores', async () => {
    server.databases.get('app')!.tables = { main: ['t1', 't2'] };
    const target = join(tmp, 'app.json');
    const percents: number[] = [];
    const result = await db.backup(target, { onProgress: (p) => percents.push(p.percent ?? 0) });
    expect(percents).toEqual([25, 50, 75, 100]);
    expect(result.messages).toContain('100 percent processed');
    expect(result.data).toMatchObject({ target, type: 'full', format: 'json' });
    expect(result.data?.sizeBytes).toBeGreaterThan(0);
    const verified = await db.verifyBackup(target);
    expect(verified.data).toEqual({ source: target, valid: true, entries: 2 });

    const copy = manager.getDatabase('copy');
    await copy.restore(target);
    expect(await copy.listTables()).toEqual([
      { schema: 'main', name: 't1', kind: 'table' },
      { schema: 'main', name: 't2', kind: 'table' },
    ]);
    await expect(copy.restore(target)).rejects.toThrow(/which has data/);
    const replaced = await copy.restore(target, { replace: true, dryRun: true });
    expect(replaced.statements).toEqual(['DROP DATABASE "copy"', `RESTORE "copy" FROM '${target}'`]);
    expect(await db.listSchemas()).toEqual(['main']);
    expect(await db.listSchemas({ includeSystem: true })).toEqual(['main', 'sys']);
    expect(await db.listTables('other')).toEqual([]);
  });

  it('a cancelled backup rejects at once and leaves no file at the target', async () => {
    server.backupDelayMs = 2_000;
    const target = join(tmp, 'cancelled.json');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    const e = await rejection(db.backup(target, { signal: ac.signal }));
    expect(OperationCancelledError.isInstance(e)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.partial`)).toBe(false);
  });

  it('maps driver errors through the engine table', async () => {
    server.failNext = { code: 'DENIED', message: 'permission denied' };
    const e = await rejection(db.exists());
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(e.operation).toBe('exists');
    expect(e.serverCode).toBe('DENIED');
  });

  it('offers the HA manager through the same template', async () => {
    expect(db.supportsHighAvailability()).toBe(true);
    const ha = db.ha!;
    expect(db.ha).toBe(ha);
    expect((await ha.getPrimaryNode())?.nodeName).toBe('a');
    const dry = await ha.failover({ target: 'b', dryRun: true });
    expect(dry.statements).toEqual(['PROMOTE b']);
    expect(server.isPrimary).toBe(true);
    await ha.failover({ target: 'b' });
    expect(server.isPrimary).toBe(false);
    expect((await ha.getPrimaryNode())?.nodeName).toBe('b');
    await expect(ha.failover({ target: '' })).rejects.toThrow(ValidationError);
    const unsupported = await rejection(ha.setSyncMode('synchronous'));
    expect(UnsupportedOperationError.isInstance(unsupported)).toBe(true);
    await expect(ha.setSyncMode('sometimes' as never)).rejects.toThrow(ValidationError);
    await expect(ha.addNode({ name: 'c' })).rejects.toThrow(UnsupportedOperationError);
    await expect(ha.addNode({ name: '' })).rejects.toThrow(ValidationError);
    await expect(ha.removeNode('b')).rejects.toThrow(UnsupportedOperationError);
    await expect(ha.removeNode('')).rejects.toThrow(ValidationError);
    await expect(ha.createConfiguration({ dryRun: true })).rejects.toThrow(UnsupportedOperationError);
  });

  it('prints as Type(name) and JSON without secrets', () => {
    expect(String(db)).toBe('MemoryDatabase(app)');
    expect(JSON.parse(JSON.stringify(db))).toEqual({ name: 'app', type: 'sqlite', endpoint: 'memory://local/main' });
  });
});

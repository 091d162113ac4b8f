/**
 * A small in-memory engine used by the core's tests (and by the conformance suite's self-test).
 * It registers as the `sqlite` type, keeps databases in a Map, and behaves like a strict server:
 * refuses to drop or take offline a database with sessions unless forced, refuses restores over
 * data without `replace`, writes backups as JSON files (temp file renamed into place), honours
 * cancellation, and records every statement it executes so tests can see that dry runs ran nothing.
 */
import { promises as fs } from 'node:fs';
import {
  type AccessMode,
  Database,
  type DatabaseState,
  HAState,
  HARole,
  HighAvailabilityManager,
  SyncMode,
  type BackupInfo,
  type BackupOptions,
  type BackupVerification,
  type Capabilities,
  type ConnectionConfig,
  type DatabaseConnection,
  type DatabaseListing,
  type DatabaseMetadata,
  type DatabaseProvider,
  type DropOptions,
  type ErrorKind,
  type FailoverOptions,
  type ForceableOptions,
  type HAConfiguration,
  type HANodeInfo,
  type ListDatabasesOptions,
  type MutationOptions,
  type RestoreOptions,
  type ServerMetadata,
  type TableInfo,
  ValidationError,
  DatabaseInUseError,
  DatabaseAlreadyExistsError,
  DatabaseNotFoundError,
  Secret,
} from '../src/index.js';
import { defineEngine, statement, type ErrorClassification, type HATopology, type OperationContext, type OperationOutcome } from '../src/engine.js';

export interface MemoryDb {
  state: DatabaseState;
  accessMode: AccessMode;
  sessions: number;
  tables: Record<string, string[]>;
  rows: Record<string, number>;
  created: Date;
}

export interface MemoryServer {
  databases: Map<string, MemoryDb>;
  executed: string[];
  metadataFetches: number;
  listQueries: number;
  /** Milliseconds each backup takes (to test cancellation). */
  backupDelayMs: number;
  /** An error to throw from the next fetch, as a driver would. */
  failNext?: { code: string; message: string };
  isPrimary: boolean;
}

export function newServer(): MemoryServer {
  return { databases: new Map(), executed: [], metadataFetches: 0, listQueries: 0, backupDelayMs: 0, isPrimary: true };
}

const ERROR_TABLE: Record<string, ErrorKind> = {
  AUTH: 'AUTHENTICATION',
  DENIED: 'PERMISSION_DENIED',
  NOSUCHDB: 'DATABASE_NOT_FOUND',
  DUP: 'DATABASE_ALREADY_EXISTS',
  BUSY: 'DATABASE_IN_USE',
  NET: 'CONNECTION',
  DEAD: 'DEADLOCK',
};

/** The memory engine's error table. */
export function classifyMemoryError(error: unknown): ErrorClassification {
  const code = typeof error === 'object' && error && 'code' in error ? String((error as { code: unknown }).code) : '';
  return { kind: ERROR_TABLE[code] ?? 'QUERY', code: code || undefined };
}

export class MemoryConnection implements DatabaseConnection {
  readonly type = 'sqlite' as const;
  readonly endpoint: string;
  closed = 0;
  /** The password of a config connection, held (and forgotten on close) as the real engines do. */
  readonly password: Secret | undefined;
  constructor(
    readonly server: MemoryServer,
    endpoint = 'memory://local',
    password?: string | Secret,
  ) {
    this.endpoint = endpoint;
    this.password = Secret.from(password);
  }
  async close(): Promise<void> {
    this.closed++;
    this.password?.forget();
  }
  exec(statement: string): void {
    if (this.server.failNext) {
      const { code, message } = this.server.failNext;
      this.server.failNext = undefined;
      throw Object.assign(new Error(message), { code });
    }
    this.server.executed.push(statement);
  }
}

export const MEMORY_CAPABILITIES: Capabilities = {
  create: true,
  drop: true,
  'drop.force': true,
  'state.offline': true,
  'access.singleUser': true,
  'access.restrictedUser': 'the memory engine has no privileged users',
  'backup.full': true,
  'backup.differential': 'a memory backup is always a whole copy',
  'backup.incremental': 'a memory backup is always a whole copy',
  'backup.log': 'the memory engine keeps no log',
  'backup.verify': true,
  'backup.progress': 'a memory backup is written at once',
  restore: true,
  'restore.pointInTime': 'the memory engine keeps no history',
  schemas: true,
  tables: true,
  ha: true,
  'ha.failover': true,
  'ha.addNode': 'the memory engine has two fixed nodes',
  'ha.removeNode': 'the memory engine has two fixed nodes',
  'ha.syncMode': 'the memory engine replicates asynchronously only',
};

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}

export class MemoryHA extends HighAvailabilityManager {
  private get server(): MemoryServer {
    return (this.database.connection as MemoryConnection).server;
  }
  protected async readTopology(): Promise<HATopology> {
    const primary = this.server.isPrimary;
    const nodes: HANodeInfo[] = [
      { nodeName: 'a', role: primary ? HARole.PRIMARY : HARole.STANDBY, state: HAState.HEALTHY, endpoint: 'a:1', isHealthy: true, metadata: {} },
      { nodeName: 'b', role: primary ? HARole.STANDBY : HARole.PRIMARY, state: HAState.HEALTHY, endpoint: 'b:1', isHealthy: true, lagSeconds: 0.5, metadata: {} },
    ];
    const configuration: HAConfiguration = { name: 'memory', type: 'memory_replication', nodes, syncMode: SyncMode.ASYNCHRONOUS, automaticFailover: false, metadata: {} };
    return { configuration, nodes, status: HAState.HEALTHY, healthy: true };
  }
  protected override async performFailover(ctx: OperationContext, options: FailoverOptions): Promise<OperationOutcome> {
    await ctx.step(statement(`PROMOTE ${options.target ?? 'b'}`), async () => {
      this.server.isPrimary = !this.server.isPrimary;
    });
    return { message: `promoted ${options.target ?? 'b'}` };
  }
}

export class MemoryDatabase extends Database {
  private get conn(): MemoryConnection {
    return this.connection as MemoryConnection;
  }
  private get server(): MemoryServer {
    return this.conn.server;
  }

  protected async fetchMetadata(): Promise<DatabaseMetadata | undefined> {
    this.server.metadataFetches++;
    this.conn.exec(`SELECT * FROM databases WHERE name = $1`);
    const db = this.server.databases.get(this.name);
    return db ? toMetadata(this.name, db) : undefined;
  }

  private require(): MemoryDb {
    const db = this.server.databases.get(this.name);
    if (!db) throw new DatabaseNotFoundError(`no database ${this.name}`, { engine: 'sqlite' });
    return db;
  }

  protected async performCreate(ctx: OperationContext): Promise<OperationOutcome> {
    if (this.server.databases.has(this.name)) throw new DatabaseAlreadyExistsError(`database ${quote(this.name)} exists`, { engine: 'sqlite' });
    const sql = `CREATE DATABASE ${quote(this.name)}`;
    await ctx.step(statement(sql), async () => {
      this.conn.exec(sql);
      this.server.databases.set(this.name, { state: 'online', accessMode: 'multi_user', sessions: 0, tables: { main: [] }, rows: {}, created: new Date() });
    });
    return { message: `created ${this.name}` };
  }

  protected async performDrop(ctx: OperationContext, options: DropOptions): Promise<OperationOutcome> {
    const db = this.require();
    if (db.sessions > 0 && !options.force) {
      throw new DatabaseInUseError(`database ${this.name} has ${db.sessions} other sessions`, { sessions: db.sessions, engine: 'sqlite', hint: 'use force' });
    }
    const sql = `DROP DATABASE ${quote(this.name)}${options.force ? ' WITH (FORCE)' : ''}`;
    await ctx.step(statement(sql), async () => {
      this.conn.exec(sql);
      this.server.databases.delete(this.name);
    });
    return { message: `dropped ${this.name}` };
  }

  private async alter(ctx: OperationContext, clause: string, apply: (db: MemoryDb) => void): Promise<OperationOutcome> {
    const db = this.require();
    const sql = `ALTER DATABASE ${quote(this.name)} ${clause}`;
    await ctx.step(statement(sql), async () => {
      this.conn.exec(sql);
      apply(db);
    });
    return { message: `${this.name}: ${clause}` };
  }

  protected override performSetOnline(ctx: OperationContext): Promise<OperationOutcome> {
    return this.alter(ctx, 'SET ONLINE', (db) => (db.state = 'online'));
  }
  protected override async performSetOffline(ctx: OperationContext, options: ForceableOptions): Promise<OperationOutcome> {
    const db = this.require();
    if (db.sessions > 0 && !options.force) throw new DatabaseInUseError(`${db.sessions} sessions`, { sessions: db.sessions });
    return this.alter(ctx, 'SET OFFLINE', (d) => {
      d.state = 'offline';
      d.sessions = 0;
    });
  }
  protected override performSetSingleUserMode(ctx: OperationContext): Promise<OperationOutcome> {
    return this.alter(ctx, 'SET SINGLE_USER', (db) => (db.accessMode = 'single_user'));
  }
  protected override performSetMultiUserMode(ctx: OperationContext, _o: MutationOptions): Promise<OperationOutcome> {
    return this.alter(ctx, 'SET MULTI_USER', (db) => (db.accessMode = 'multi_user'));
  }

  protected override async performBackup(ctx: OperationContext, target: string, options: BackupOptions): Promise<OperationOutcome<BackupInfo>> {
    const db = this.require();
    const temp = `${target}.partial`;
    const command = `BACKUP ${quote(this.name)} TO '${target}'`;
    await ctx.step(statement(command), async () => {
      this.conn.exec(command);
      try {
        for (let i = 1; i <= 4; i++) {
          await sleep(this.server.backupDelayMs / 4, ctx.signal);
          ctx.progress({ percent: i * 25 });
          ctx.message(`${i * 25} percent processed`);
        }
        await fs.writeFile(temp, JSON.stringify({ name: this.name, tables: db.tables, rows: db.rows }));
        await fs.rename(temp, target);
      } finally {
        await fs.rm(temp, { force: true });
      }
    });
    const sizeBytes = ctx.dryRun ? undefined : (await fs.stat(target)).size;
    return { message: `backed up ${this.name}`, data: { target, type: options.type ?? 'full', sizeBytes, format: 'json' } };
  }

  protected override async performRestore(ctx: OperationContext, source: string, options: RestoreOptions): Promise<OperationOutcome> {
    const content = JSON.parse(await fs.readFile(source, 'utf8')) as { tables: Record<string, string[]>; rows: Record<string, number> };
    const existing = this.server.databases.get(this.name);
    const hasData = existing && Object.values(existing.tables).some((t) => t.length > 0);
    if (hasData && !options.replace) {
      throw new ValidationError(`refusing to restore over ${this.name}, which has data`, [{ path: '/replace', message: 'set replace: true to drop and recreate it' }]);
    }
    if (existing && existing.sessions > 0 && !options.force) {
      throw new DatabaseInUseError(`database ${this.name} has ${existing.sessions} other sessions`, { sessions: existing.sessions, engine: 'sqlite', hint: 'use force' });
    }
    if (existing) await ctx.step(statement(`DROP DATABASE ${quote(this.name)}`), async () => void this.server.databases.delete(this.name));
    await ctx.step(statement(`RESTORE ${quote(this.name)} FROM '${source}'`), async () => {
      this.server.databases.set(this.name, { state: 'online', accessMode: 'multi_user', sessions: 0, tables: content.tables, rows: content.rows, created: new Date() });
    });
    return { message: `restored ${this.name}` };
  }

  protected override async performVerifyBackup(_ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
    const content = JSON.parse(await fs.readFile(source, 'utf8')) as { tables: Record<string, string[]> };
    const entries = Object.values(content.tables).reduce((n, t) => n + t.length, 0);
    return { message: `${entries} tables`, data: { source, valid: true, entries } };
  }

  protected override async fetchSchemas(_signal: AbortSignal, includeSystem: boolean): Promise<string[]> {
    const db = this.require();
    return [...Object.keys(db.tables), ...(includeSystem ? ['sys'] : [])].sort();
  }

  protected override async fetchTables(_signal: AbortSignal, schema: string | undefined): Promise<TableInfo[]> {
    const db = this.require();
    return Object.entries(db.tables)
      .filter(([s]) => schema === undefined || s === schema)
      .flatMap(([s, names]) => names.map((name) => ({ schema: s, name, kind: 'table' as const })));
  }
}

function toMetadata(name: string, db: MemoryDb): DatabaseMetadata {
  return {
    name,
    type: 'sqlite',
    created: db.created,
    sizeBytes: 8192,
    owner: 'tester',
    state: db.state,
    accessMode: db.accessMode,
    additionalAttributes: { sessions: db.sessions },
  };
}

export function memoryProvider(servers: Map<string, MemoryServer> = new Map(), packageName = '@gds/memory-test'): DatabaseProvider<MemoryDatabase> & { servers: Map<string, MemoryServer> } {
  const serverFor = (key: string) => {
    let s = servers.get(key);
    if (!s) {
      s = newServer();
      servers.set(key, s);
    }
    return s;
  };
  const engine = defineEngine({
    type: 'sqlite',
    packageName,
    displayName: 'Memory (test engine)',
    cliName: 'memory',
    connectionClass: MemoryConnection,
    databaseClass: MemoryDatabase,
    haManagerClass: MemoryHA,
    classifyError: classifyMemoryError,
    describeStatement: (s) => s.text,
    names: {
      validateDatabaseName(name: string) {
        if (Buffer.byteLength(name) > 63) throw new ValidationError('Invalid database name', [{ path: '', message: 'longer than 63 bytes' }], { engine: 'sqlite' });
      },
      quote,
    },
    schemes: ['sqlite', 'memory'],
    capabilities: MEMORY_CAPABILITIES,
    async connect(target: string | ConnectionConfig) {
      const key = typeof target === 'string' ? target.replace(/\/\/[^@]*@/, '//') : String(target.host ?? 'local');
      if (typeof target === 'string' && target.includes('wrong-password')) throw Object.assign(new Error(`auth failed for ${target}`), { code: 'AUTH' });
      const password = typeof target === 'string' ? undefined : (target.password as string | Secret | undefined);
      return new MemoryConnection(serverFor(key), key, password);
    },
    async listDatabases(connection: MemoryConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
      const server = connection.server;
      server.listQueries++;
      return [...server.databases.entries()].map(([name, db]) => ({ name, metadata: options.withMetadata ? toMetadata(name, db) : undefined }));
    },
    async getServerMetadata(connection: DatabaseConnection): Promise<ServerMetadata> {
      return { type: 'sqlite', version: '1.0', versionNumber: 10000, endpoint: connection.endpoint, isReplica: false, additionalAttributes: {} };
    },
  });
  return Object.assign(Object.create(null) as object, engine, { servers });
}

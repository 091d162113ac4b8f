// The connection through the real tedious driver against the TDS simulator: logins, the error
// table end to end, a dropped connection, cancellation and timeouts (ATTENTION), the request
// queue, and closing without leaks.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  AuthenticationError,
  ConnectionError,
  DatabaseAlreadyExistsError,
  DatabaseInUseError,
  DatabaseManager,
  DatabaseNotFoundError,
  DeadlockError,
  GdsError,
  OperationCancelledError,
  OperationTimeoutError,
  PermissionDeniedError,
  type ErrorCode,
} from '@gds/database';
import { countOpenHandles, waitFor } from '@gds/testkit';
import { TdsSimulator } from '@gds/testkit/tds';
import { MSSQLConnection, type MSSQLDatabase } from '../src/index.js';
import { acceptChanges, answerVersion, connect, exists, PASSWORD, sessions, startSim } from './sim.js';

// Waits for a condition seen on the simulator end as soon as it holds; the deadline is for a loaded
// CI machine (the conditions hold within milliseconds here). Every test and hook gets 30 s for it.
const WAIT_MS = 10_000;
jest.setTimeout(30_000);

let sim: TdsSimulator;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  answerVersion(sim);
});

describe('login (simulator)', () => {
  it('a wrong password is an AuthenticationError (18456) that does not contain the password', async () => {
    const e = await DatabaseManager.connect(sim.url('sa', 'Wr0ng-secret-pw')).catch((x: unknown) => x);
    expect(AuthenticationError.isInstance(e)).toBe(true);
    expect((e as GdsError).serverCode).toBe('18456');
    expect(JSON.stringify((e as GdsError).toJSON())).not.toContain('Wr0ng-secret-pw');
    expect(String((e as Error).message)).not.toContain('Wr0ng-secret-pw');
    expect(sim.logins.at(-1)).toEqual({ user: 'sa', database: 'master', appName: 'gds', accepted: false });
  });

  it('a database the login cannot open (4060) is a DatabaseNotFoundError', async () => {
    const strict = await TdsSimulator.start({ users: { sa: PASSWORD }, databases: ['master'] });
    try {
      const e = await DatabaseManager.connect(strict.url('sa', PASSWORD, 'missing_db')).catch((x: unknown) => x);
      expect(DatabaseNotFoundError.isInstance(e)).toBe(true);
      expect((e as GdsError).serverCode).toBe('4060');
    } finally {
      await strict.close();
    }
  });

  it('nothing listening is a retryable ConnectionError', async () => {
    const dead = await TdsSimulator.start();
    const port = dead.port;
    await dead.close();
    const e = await DatabaseManager.connect(`mssql://sa:x@127.0.0.1:${port}/master?encrypt=false&connectTimeout=2000`).catch((x: unknown) => x);
    expect(ConnectionError.isInstance(e)).toBe(true);
    expect((e as GdsError).retryable).toBe(true);
  });
});

describe('error table end to end (simulator)', () => {
  const cases: Array<[number, number, string, ErrorCode]> = [
    [1801, 16, "Database 'app' already exists. Choose a different database name.", 'DATABASE_ALREADY_EXISTS'],
    [3702, 16, 'Cannot drop database "app" because it is currently in use.', 'DATABASE_IN_USE'],
    [3701, 11, "Cannot drop the database 'app', because it does not exist or you do not have permission.", 'DATABASE_NOT_FOUND'],
    [262, 14, "CREATE DATABASE permission denied in database 'master'.", 'PERMISSION_DENIED'],
    [1205, 13, 'Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.', 'DEADLOCK'],
    [5061, 16, 'ALTER DATABASE failed because a lock could not be placed on database \'app\'. Try again later.', 'DATABASE_IN_USE'],
    [50000, 16, 'something else', 'QUERY'],
  ];
  it.each(cases)('server error %i (class %i) rejects with its class', async (number, cls, message, code) => {
    const manager = await connect(sim);
    try {
      sim.on('CREATE DATABASE', { error: { number, class: cls, message } });
      const e = await manager.getDatabase('app').create().catch((x: unknown) => x);
      expect(GdsError.isInstance(e)).toBe(true);
      expect((e as GdsError).code).toBe(code);
      expect((e as GdsError).serverCode).toBe(String(number));
      expect((e as GdsError).result?.statements).toEqual(['CREATE DATABASE [app]']);
      expect((e as GdsError).result?.success).toBe(false);
    } finally {
      await manager.close();
    }
  });

  it('the classes are the core ones (DatabaseInUseError, DeadlockError, PermissionDeniedError, DatabaseAlreadyExistsError)', async () => {
    const manager = await connect(sim);
    try {
      sim.on('CREATE DATABASE', { error: { number: 1801, message: 'exists' } }, { times: 1 });
      await expect(manager.getDatabase('a').create()).rejects.toThrow(DatabaseAlreadyExistsError);
      sim.on('CREATE DATABASE', { error: { number: 1205, class: 13, message: 'deadlock' } }, { times: 1 });
      await expect(manager.getDatabase('a').create()).rejects.toThrow(DeadlockError);
      sim.on('CREATE DATABASE', { error: { number: 229, class: 14, message: 'denied' } }, { times: 1 });
      await expect(manager.getDatabase('a').create()).rejects.toThrow(PermissionDeniedError);
      exists(sim, true);
      sessions(sim, 0);
      sim.on('DROP DATABASE', { error: { number: 3702, message: 'in use' } });
      await expect(manager.getDatabase('a').drop()).rejects.toThrow(DatabaseInUseError);
    } finally {
      await manager.close();
    }
  });
});

describe('dropped connection (simulator)', () => {
  it('a connection dropped mid-request rejects with a ConnectionError, and the next request reconnects', async () => {
    const manager = await connect(sim);
    try {
      sim.on('CREATE DATABASE', { drop: true }, { times: 1 });
      const e = await manager.getDatabase('app').create().catch((x: unknown) => x);
      expect(ConnectionError.isInstance(e)).toBe(true);
      expect((e as GdsError).retryable).toBe(true);
      acceptChanges(sim);
      const before = sim.logins.length;
      await manager.getDatabase('app').create();
      expect(sim.logins.length).toBe(before + 1);
    } finally {
      await manager.close();
    }
  });

  it('a server that closes every connection between requests is reconnected to', async () => {
    const manager = await connect(sim);
    try {
      exists(sim, true);
      expect(await manager.getDatabase('app').exists()).toBe(true);
      sim.dropConnections();
      await waitFor(() => sim.openConnections === 0, WAIT_MS);
      // the first request may meet the dead socket; gds reports it and the next one reconnects
      const first = await manager.getDatabase('app').exists().catch((x: unknown) => x);
      if (first !== true) expect(ConnectionError.isInstance(first)).toBe(true);
      expect(await manager.getDatabase('app').exists()).toBe(true);
    } finally {
      await manager.close();
    }
  });
});

describe('cancellation and timeouts (simulator)', () => {
  it('aborting the signal sends an ATTENTION, rejects with OperationCancelledError, and the connection still works', async () => {
    const manager = await connect(sim);
    try {
      exists(sim, true);
      sim.on('xp_fileexist', { columns: [{ name: 'File Exists', type: 'int' }, { name: 'File is a Directory', type: 'int' }, { name: 'Parent Directory Exists', type: 'int' }], rows: [[0, 0, 1]] });
      sim.on(/^BACKUP DATABASE/, { messages: [{ number: 3211, message: '10 percent processed.' }], hang: true });
      const ac = new AbortController();
      const percents: Array<number | undefined> = [];
      const pending = (manager.getDatabase('app') as MSSQLDatabase).backup('/b/app.bak', {
        signal: ac.signal,
        onProgress: (p) => {
          percents.push(p.percent);
          ac.abort();
        },
      });
      await expect(pending).rejects.toThrow(OperationCancelledError);
      await waitFor(() => sim.attentions > 0, WAIT_MS);
      expect(sim.attentions).toBe(1);
      expect(percents).toEqual([10]);
      expect(await manager.getDatabase('app').exists()).toBe(true);
    } finally {
      await manager.close();
    }
  });

  it('timeoutMs cancels the statement on the server and rejects with OperationTimeoutError', async () => {
    const manager = await connect(sim);
    try {
      sim.on('DBCC CHECKDB', { hang: true });
      exists(sim, true);
      const started = Date.now();
      await expect((manager.getDatabase('app') as MSSQLDatabase).checkIntegrity({ timeoutMs: 150 })).rejects.toThrow(OperationTimeoutError);
      expect(Date.now() - started).toBeLessThan(4000); // the statement hangs for ever: 150 ms, with room for a loaded machine
      await waitFor(() => sim.attentions > 0, WAIT_MS);
      expect(sim.attentions).toBe(1);
      expect(await manager.getDatabase('app').exists()).toBe(true);
    } finally {
      await manager.close();
    }
  });
});

describe('request queue (simulator)', () => {
  it('concurrent callers on one connection all get their own answers, one request at a time', async () => {
    const conn = new MSSQLConnection(sim.url('sa', PASSWORD));
    try {
      sim.on((r) => r.sql.startsWith('select @n'), (r) => ({ delayMs: 5 * (5 - Number(r.params.n)), columns: [{ name: 'n', type: 'int' }], rows: [[Number(r.params.n) * 10]] }));
      const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => conn.query<{ n: number }>('select @n as n', { n })));
      expect(answers.map((rows) => rows[0]?.n)).toEqual([10, 20, 30, 40, 50]);
      expect(new Set(sim.queries().map((q) => q.connection)).size).toBe(1);
      expect(sim.queries().map((q) => q.params.n)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await conn.close();
    }
  });

  it('a caller that aborts while queued is released at once and its statement is never sent', async () => {
    const conn = new MSSQLConnection(sim.url('sa', PASSWORD));
    try {
      sim.on('slow', { delayMs: 100, rowCount: 0 });
      sim.on('never', { rowCount: 0 });
      const slow = conn.query('select 1 -- slow', { a: 1 });
      const ac = new AbortController();
      const queued = conn.query('select 1 -- never', { a: 1 }, { signal: ac.signal });
      ac.abort(new Error('caller gave up'));
      await expect(queued).rejects.toThrow('caller gave up');
      await slow;
      expect(sim.queries().map((q) => q.sql)).toEqual(['select 1 -- slow']);
    } finally {
      await conn.close();
    }
  });
});

describe('closing (simulator)', () => {
  it('close() leaves no socket open, and the closed connection refuses work', async () => {
    const before = countOpenHandles();
    const manager = await connect(sim);
    exists(sim, true);
    await manager.getDatabase('app').exists();
    await manager.close();
    await waitFor(() => countOpenHandles() <= before, WAIT_MS);
    expect(countOpenHandles()).toBeLessThanOrEqual(before);
    await expect(manager.getDatabase('app').exists()).rejects.toThrow(ConnectionError);
  });

  it('close() waits for queued work, but not for ever: after the grace it closes anyway and refuses the queue', async () => {
    const conn = new MSSQLConnection(sim.url('sa', PASSWORD));
    sim.on('select @n', (r) => ({ delayMs: 30, columns: [{ name: 'n', type: 'int' }], rows: [[Number(r.params.n)]] }));
    const queued = conn.query<{ n: number }>('select @n as n', { n: 7 });
    await conn.close(2000);
    expect((await queued)[0]?.n).toBe(7); // a request made before close() still runs
    await waitFor(() => sim.openConnections === 0, WAIT_MS);

    const stuck = new MSSQLConnection(sim.url('sa', PASSWORD));
    sim.on('WAITFOR', { hang: true });
    const running = stuck.query("WAITFOR DELAY '01:00:00'").catch((e: unknown) => e);
    const behind = stuck.query<{ n: number }>('select @n as n', { n: 8 }).catch((e: unknown) => e);
    await waitFor(() => sim.queries().some((q) => q.sql.startsWith('WAITFOR')), WAIT_MS);
    const started = Date.now();
    await stuck.close(200);
    expect(Date.now() - started).toBeLessThan(4000); // the grace of 200 ms, with room for a loaded machine (the query hangs for ever)
    expect(await running).toBeInstanceOf(Error);
    expect(ConnectionError.isInstance(await behind)).toBe(true);
    expect(sim.queries().some((q) => q.params.n === 8)).toBe(false); // never sent
    await waitFor(() => sim.openConnections === 0, WAIT_MS);
    expect(sim.openConnections).toBe(0);
  });
});

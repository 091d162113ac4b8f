// The real snowflake-sdk against the loopback Snowflake simulator (not a real account):
// connection, login failures, expired sessions, cancellation, error mapping, and closing.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { AuthenticationError, DatabaseManager, DatabaseNotFoundError, OperationCancelledError, PermissionDeniedError } from '@gds/database';
import { countOpenHandles, waitFor } from '@gds/testkit';
import { SHOW_DATABASES_COLUMNS, databaseRow, showReply, type SnowflakeSimulator } from '@gds/testkit/snowflake';
import '../src/index.js';
import type { SnowflakeConnection, SnowflakeDatabase } from '../src/index.js';
import { PIN_SESSION_SQL } from '../src/snowflake-connection.js';
import { simUrl, startSim } from './sim-helpers.js';
import { loadDriverFirst } from './load-driver.js';

loadDriverFirst();
jest.setTimeout(30_000); // real snowflake-sdk logins and statements over HTTP: room for a loaded CI machine (jest's default is 5 s)

let sim: SnowflakeSimulator;
const managers: DatabaseManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await sim?.close();
});

async function connect(params: Record<string, string> = {}): Promise<DatabaseManager> {
  const m = await DatabaseManager.connect(simUrl(sim, params));
  managers.push(m);
  return m;
}

describe('Snowflake connection (simulator, real snowflake-sdk)', () => {
  it('logs in with the URL settings and sends statements with their bindings', async () => {
    sim = await startSim();
    const m = await connect({ warehouse: 'ADMIN_WH', role: 'SYSADMIN' });
    expect(sim.logins).toEqual([expect.objectContaining({ user: 'gds', account: 'SIMACCOUNT', authenticator: 'SNOWFLAKE', warehouse: 'ADMIN_WH', role: 'SYSADMIN', accepted: true })]);
    sim.reply('SELECT ? AS A, ? AS B', (q) => ({ columns: [{ name: 'A', type: 'text' }, { name: 'B', type: 'fixed' }], rows: [[String(q.bindings[0]), Number(q.bindings[1]) + 1]] }));
    const rows = await (m.connection as SnowflakeConnection).query('SELECT ? AS A, ? AS B', ["it's", 41]);
    expect(rows).toEqual([{ A: "it's", B: 42 }]);
    expect(sim.queries.at(-1)).toMatchObject({ sqlText: 'SELECT ? AS A, ? AS B', bindings: ["it's", '41'], bindingTypes: ['TEXT', 'FIXED'] });
  });

  it('maps typed columns: numbers, booleans, timestamps and variants', async () => {
    sim = await startSim();
    const m = await connect();
    sim.reply('SELECT typed', {
      columns: [{ name: 'N', type: 'fixed' }, { name: 'F', type: 'real' }, { name: 'B', type: 'boolean' }, { name: 'T', type: 'timestamp_ltz' }, { name: 'V', type: 'variant' }, { name: 'X', type: 'text' }],
      rows: [[7, 1.5, false, new Date('2026-02-03T04:05:06.789Z'), { a: [1, 2] }, null]],
    });
    const [row] = await (m.connection as SnowflakeConnection).query<Record<string, unknown>>('SELECT typed');
    expect(row?.N).toBe(7);
    expect(row?.F).toBe(1.5);
    expect(row?.B).toBe(false);
    expect((row?.T as Date).toISOString()).toBe('2026-02-03T04:05:06.789Z');
    expect(row?.V).toEqual({ a: [1, 2] });
    expect(row?.X).toBeNull();
  });

  it('rejects a wrong password with AuthenticationError (390100), without the password in the error', async () => {
    sim = await startSim();
    const error = await DatabaseManager.connect(simUrl(sim, {}, 'Wrong-Pw-123')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).serverCode).toBe('390100');
    expect(JSON.stringify((error as AuthenticationError).toJSON())).not.toContain('Wrong-Pw-123');
    expect((error as Error).message).not.toContain('Wrong-Pw-123');
    expect(sim.logins.map((l) => l.accepted)).toEqual([false]);
  });

  it('lets the driver renew an expired session token (390112) and resubmit the statement', async () => {
    sim = await startSim();
    const m = await connect();
    sim.reply(/^SHOW DATABASES/, showReply(SHOW_DATABASES_COLUMNS, [databaseRow({ name: 'SALES' })]));
    sim.expireSessions();
    expect((await m.listDatabases()).map((d) => d.name)).toEqual(['SALES']);
    expect(sim.counts.renewals).toBe(1);
    expect(sim.queries.map((q) => [q.sqlText, q.refusedWith])).toEqual([
      [PIN_SESSION_SQL, undefined],
      ['SHOW DATABASES', '390112'],
      ['SHOW DATABASES', undefined],
    ]);
    expect(sim.queries[1]?.requestId).toBe(sim.queries[2]?.requestId);
    expect(sim.logins).toHaveLength(1);
    expect((m.connection as SnowflakeConnection).logins).toBe(1);
  });

  it('logs in again when the master token expired too (390114: the driver gives up with 407002) and retries once', async () => {
    sim = await startSim();
    const m = await connect();
    const conn = m.connection as SnowflakeConnection;
    const events: string[] = [];
    conn.onSession((e) => events.push(e));
    sim.reply(/^SHOW DATABASES/, showReply(SHOW_DATABASES_COLUMNS, [databaseRow({ name: 'SALES' })]));
    sim.expireSessions({ master: true });
    expect((await m.listDatabases()).map((d) => d.name)).toEqual(['SALES']);
    expect(sim.counts.renewals).toBe(1);
    expect(sim.logins.map((l) => l.accepted)).toEqual([true, true]);
    expect(conn.logins).toBe(2);
    expect(events).toEqual(['session ended (407002): logging in again', 'relogin']);
    // the statement ran once on the server: the first attempt was refused before running; each
    // login pinned its session first
    expect(sim.queries.map((q) => [q.sqlText, q.refusedWith])).toEqual([
      [PIN_SESSION_SQL, undefined],
      ['SHOW DATABASES', '390112'],
      [PIN_SESSION_SQL, undefined],
      ['SHOW DATABASES', undefined],
    ]);
    expect(sim.queries[1]?.token).not.toBe(sim.queries[3]?.token);
  });

  it('with reconnect=false, an ended session is a ConnectionError', async () => {
    sim = await startSim();
    const m = await connect({ reconnect: 'false' });
    sim.dropSessions();
    const error = await m.listDatabases().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe('CONNECTION');
    expect((error as { serverCode?: string }).serverCode).toBe('407002');
    expect(sim.logins).toHaveLength(1);
  });

  it('maps server error codes through the table (002003 database, 003001 privileges)', async () => {
    sim = await startSim();
    const m = await connect();
    sim.fail(/^SHOW SCHEMAS/, '002003', "Database 'nope' does not exist or not authorized.", '02000');
    sim.fail(/^UNDROP/, '003001', "SQL access control error:\nInsufficient privileges to operate on database 'nope'", '42501');
    const db = m.getDatabase('nope') as SnowflakeDatabase;
    await expect(db.listSchemas()).rejects.toThrow(DatabaseNotFoundError);
    const e = await db.undrop().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(PermissionDeniedError.isInstance(e)).toBe(true);
    expect((e as PermissionDeniedError).result?.statements).toEqual(['UNDROP DATABASE "nope"']);
  });

  it('cancels a running statement on the server when the signal aborts', async () => {
    sim = await startSim();
    const m = await connect();
    sim.reply(/^SHOW SCHEMAS/, { columns: [{ name: 'name', type: 'text' }], rows: [], delayMs: 20_000 });
    const ac = new AbortController();
    const pending = m.getDatabase('SALES').listSchemas({ signal: ac.signal });
    await waitFor(() => sim.queries.length > 0, 15_000);
    ac.abort();
    await expect(pending).rejects.toThrow(OperationCancelledError);
    await waitFor(() => sim.aborts.length > 0, 15_000);
    expect(sim.aborts).toHaveLength(1);
  });

  it('checks the session with a heartbeat, and logs out on close() leaving no socket open', async () => {
    sim = await startSim();
    const before = countOpenHandles();
    const m = await DatabaseManager.connect(simUrl(sim));
    await (m.connection as SnowflakeConnection).ping();
    expect(sim.counts.heartbeats).toBe(1);
    expect(sim.openSessions()).toBe(1);
    await m.close();
    expect(sim.counts.logouts).toBe(1);
    expect(sim.openSessions()).toBe(0);
    await waitFor(() => countOpenHandles() <= before, 15_000);
    expect(countOpenHandles()).toBeLessThanOrEqual(before);
    await expect((m.connection as SnowflakeConnection).query('SELECT 1')).rejects.toThrow(/closed/);
  });
});

// Unit tests of the Snowflake simulator, driven with plain HTTP requests shaped like the driver's
// (the real snowflake-sdk drives it in packages/gds-snowflake/test/*.sim.test.ts).
import { generateKeyPairSync, createSign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import { databaseRow, encodeCell, encodeRows, refusedPort, SHOW_DATABASES_COLUMNS, showReply, SimReplication, startSilentServer, startSnowflakeSimulator, type SnowflakeSimulator } from '@gds/testkit/snowflake';

let sim: SnowflakeSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reply bodies are read field by field in assertions
type Reply = Record<string, any>;

async function post(path: string, body: unknown, token?: string, gzip = false): Promise<Reply> {
  const raw = Buffer.from(JSON.stringify(body));
  const res = await fetch(`${sim!.accessUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Snowflake Token="${token}"` } : {}) },
    body: gzip ? gzipSync(raw) : raw,
  });
  return (await res.json()) as Reply;
}

async function loginFull(user = 'gds', password = 'gds-sim-Pw1'): Promise<{ token: string; masterToken: string }> {
  const r = await post('/session/v1/login-request?warehouse=WH&roleName=SYSADMIN', { data: { ACCOUNT_NAME: 'simaccount', LOGIN_NAME: user, PASSWORD: password } });
  return { token: r.data?.token as string, masterToken: r.data?.masterToken as string };
}

async function login(): Promise<string> {
  return (await loginFull()).token;
}

describe('Snowflake simulator (plain HTTP)', () => {
  it('encodes typed cells the way the JSON result format does', () => {
    expect(encodeCell({ name: 'b', type: 'boolean' }, false)).toBe('false');
    expect(encodeCell({ name: 'd', type: 'date' }, new Date('1970-01-03T00:00:00Z'))).toBe('2');
    expect(encodeCell({ name: 't', type: 'timestamp_ltz' }, new Date('2023-11-14T22:13:20.123Z'))).toBe('1700000000.123000000');
    expect(encodeCell({ name: 'v', type: 'variant' }, { a: 1 })).toBe('{"a":1}');
    expect(encodeCell({ name: 'n', type: 'fixed' }, 12n)).toBe('12');
    expect(encodeRows([{ name: 'a', type: 'text' }, { name: 'b', type: 'fixed' }], [{ a: 'x' }, ['y', 2]])).toEqual([['x', null], ['y', '2']]);
  });

  it('logs in with the right password, refuses a wrong one with 390100, and records both', async () => {
    sim = await startSnowflakeSimulator();
    const bad = await post('/session/v1/login-request', { data: { ACCOUNT_NAME: 'SIMACCOUNT', LOGIN_NAME: 'gds', PASSWORD: 'nope' } });
    expect(bad).toMatchObject({ success: false, code: '390100' });
    const token = await login();
    expect(token).toMatch(/^sim-session-/);
    expect(sim.logins.map((l) => [l.user, l.accepted, l.warehouse, l.role])).toEqual([
      ['gds', false, undefined, undefined],
      ['gds', true, 'WH', 'SYSADMIN'],
    ]);
    expect(sim.openSessions()).toBe(1);
  });

  it('answers scripted statements (gzipped bodies too), records bindings, and refuses unscripted ones', async () => {
    sim = await startSnowflakeSimulator();
    const token = await login();
    sim.reply(/^SHOW DATABASES/, showReply(SHOW_DATABASES_COLUMNS, [databaseRow({ name: 'sales' })]));
    sim.fail('select 1', '002003', "Database 'X' does not exist or not authorized.", '02000', 1);
    const ok = await post('/queries/v1/query-request?requestId=r1', { sqlText: "SHOW DATABASES LIKE 'sales'", bindings: {} }, token, true);
    expect(ok.success).toBe(true);
    expect(ok.data.rowtype.map((c: { name: string }) => c.name)).toEqual(SHOW_DATABASES_COLUMNS.map((c) => c.name));
    expect(ok.data.rowset[0][1]).toBe('sales');
    const failed = await post('/queries/v1/query-request?requestId=r2', { sqlText: 'select 1', bindings: { '1': { type: 'TEXT', value: 'a' }, '2': { type: 'FIXED', value: '5' } } }, token);
    expect(failed).toMatchObject({ success: false, code: '002003', data: { sqlState: '02000' } });
    const again = await post('/queries/v1/query-request?requestId=r3', { sqlText: 'select 1', bindings: {} }, token);
    expect(again).toMatchObject({ success: false, code: '999999' });
    expect(sim.queries.map((q) => [q.sqlText, q.bindings, q.requestId])).toEqual([
      ["SHOW DATABASES LIKE 'sales'", [], 'r1'],
      ['select 1', ['a', '5'], 'r2'],
      ['select 1', [], 'r3'],
    ]);
    expect(sim.queries[1]?.bindingTypes).toEqual(['TEXT', 'FIXED']);
  });

  it('expires sessions (390112), renews them, and fails the renewal when the master token expired (390114)', async () => {
    sim = await startSnowflakeSimulator();
    const { token, masterToken } = await loginFull();
    sim.reply('select 1', { columns: [{ name: '1', type: 'fixed' }], rows: [[1]] });
    sim.expireSessions();
    expect(await post('/queries/v1/query-request', { sqlText: 'select 1' }, token)).toMatchObject({ code: '390112' });
    const renewed = await post('/session/token-request', { requestType: 'RENEW', oldSessionToken: token }, masterToken);
    expect(renewed.success).toBe(true);
    const fresh = renewed.data.sessionToken as string;
    expect(await post('/queries/v1/query-request', { sqlText: 'select 1' }, fresh)).toMatchObject({ success: true, data: { rowset: [['1']] } });
    sim.expireSessions({ master: true });
    expect(await post('/session/token-request', { requestType: 'RENEW' }, masterToken)).toMatchObject({ success: false, code: '390114' });
    expect(sim.counts.renewals).toBe(2);
    expect(sim.queries.map((q) => q.refusedWith)).toEqual(['390112', undefined]);
    sim.dropSessions();
    expect(await post('/queries/v1/query-request', { sqlText: 'select 1' }, fresh)).toMatchObject({ code: '390111' });
  });

  it('holds a delayed statement until an abort request cancels it', async () => {
    sim = await startSnowflakeSimulator();
    const token = await login();
    sim.reply('CALL slow()', { columns: [{ name: 'x', type: 'fixed' }], rows: [[1]], delayMs: 30_000 });
    const running = post('/queries/v1/query-request?requestId=slow1', { sqlText: 'CALL slow()' }, token);
    // the abort must come after the simulator holds the statement (it records it, then holds it, in
    // one tick): wait for that instead of a fixed sleep a loaded machine may not fit it in
    for (const deadline = Date.now() + 20_000; !sim.queries.some((q) => q.requestId === 'slow1') && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    expect(await post('/queries/v1/abort-request', { requestId: 'slow1' }, token)).toMatchObject({ success: true });
    expect(await running).toMatchObject({ success: false, code: '000604' });
    expect(sim.aborts).toEqual(['slow1']);
  }, 30_000);

  it('checks a key-pair JWT against the public key and an OAuth token', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    sim = await startSnowflakeSimulator({ users: { KEYUSER: { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }, OAUTHUSER: { oauthToken: 'oauth-token-1' } } });
    const jwt = (sub: string) => {
      const h = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
      const p = Buffer.from(JSON.stringify({ sub, iss: `${sub}.SHA256:x` })).toString('base64url');
      const s = createSign('RSA-SHA256').update(`${h}.${p}`).sign(privateKey).toString('base64url');
      return `${h}.${p}.${s}`;
    };
    const good = await post('/session/v1/login-request', { data: { ACCOUNT_NAME: 'SIMACCOUNT', LOGIN_NAME: 'keyuser', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: jwt('SIMACCOUNT.KEYUSER') } });
    expect(good.success).toBe(true);
    const wrongSub = await post('/session/v1/login-request', { data: { ACCOUNT_NAME: 'SIMACCOUNT', LOGIN_NAME: 'keyuser', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: jwt('SIMACCOUNT.OTHER') } });
    expect(wrongSub.code).toBe('390100');
    const oauth = await post('/session/v1/login-request', { data: { ACCOUNT_NAME: 'SIMACCOUNT', LOGIN_NAME: 'oauthuser', AUTHENTICATOR: 'OAUTH', TOKEN: 'oauth-token-1' } });
    expect(oauth.success).toBe(true);
    expect(sim.logins.map((l) => l.accepted)).toEqual([true, false, true]);
  });

  it('counts heartbeats, telemetry and logouts; a logged-out token is gone', async () => {
    sim = await startSnowflakeSimulator();
    const token = await login();
    expect(await post('/session/heartbeat', {}, token)).toMatchObject({ success: true });
    await post('/telemetry/send', { logs: [] }, token);
    await post('/session?delete=true', {}, token);
    expect(sim.counts).toMatchObject({ heartbeats: 1, telemetry: 1, logouts: 1 });
    expect(sim.openSessions()).toBe(0);
    expect(await post('/session/heartbeat', {}, token)).toMatchObject({ code: '390111' });
  });
});

describe('Snowflake simulator: the account model (documented behaviour)', () => {
  const run = async (token: string, sqlText: string, binds: string[] = []) =>
    post('/queries/v1/query-request', { sqlText, bindings: Object.fromEntries(binds.map((v, i) => [String(i + 1), { type: 'TEXT', value: v }])) }, token);
  const names = (r: Reply) => (r.data.rowset as string[][]).map((row) => row[1]);

  it('creates, clones (content carried), swaps whole databases, drops and undrops, with Snowflake error codes', async () => {
    sim = await startSnowflakeSimulator();
    const token = await login();
    sim.model.addDatabase({ name: 'SALES', content: 'v1' });
    expect(await run(token, 'CREATE DATABASE "sales_bk" CLONE "SALES"')).toMatchObject({ success: true });
    expect(sim.model.database('sales_bk')?.content).toBe('v1');
    expect(await run(token, 'CREATE DATABASE sales')).toMatchObject({ success: false, code: '002002' });
    expect(names(await run(token, "SHOW DATABASES LIKE 'sal%'"))).toEqual(['SALES', 'sales_bk']);
    sim.model.database('sales_bk')!.content = 'v2';
    const before = sim.model.database('SALES')!.createdOn;
    expect(await run(token, 'ALTER DATABASE "SALES" SWAP WITH "sales_bk"')).toMatchObject({ success: true });
    expect(sim.model.database('SALES')?.content).toBe('v2');
    expect(sim.model.database('sales_bk')?.createdOn).toEqual(before);
    expect(await run(token, 'DROP DATABASE "sales_bk"')).toMatchObject({ success: true });
    expect(await run(token, 'DROP DATABASE "sales_bk"')).toMatchObject({ success: false, code: '002003' });
    expect(await run(token, 'DROP DATABASE IF EXISTS "sales_bk"')).toMatchObject({ success: true });
    expect(await run(token, 'CREATE DATABASE "x" CLONE "sales_bk"')).toMatchObject({ success: false, code: '002003' });
    expect(await run(token, 'UNDROP DATABASE "sales_bk"')).toMatchObject({ success: true });
    expect(sim.model.database('sales_bk')?.content).toBe('v1');
    expect(await run(token, 'SELECT no_such_thing()')).toMatchObject({ success: false, code: '999999' });
  });

  it('QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE (account) upper-cases quoted names until ALTER SESSION sets it FALSE', async () => {
    sim = await startSnowflakeSimulator({ parameters: { QUOTED_IDENTIFIERS_IGNORE_CASE: 'TRUE' } });
    const token = await login();
    await run(token, 'CREATE DATABASE "sales"');
    expect(sim.model.names()).toEqual(['SALES']);
    expect(await run(token, 'ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE')).toMatchObject({ success: true });
    await run(token, 'CREATE DATABASE "sales"');
    expect(sim.model.names()).toEqual(['SALES', 'sales']);
    const other = await login();
    await run(other, 'CREATE DATABASE "hr"');
    expect(sim.model.names()).toEqual(['HR', 'SALES', 'sales']);
  });

  it('REPLICATION_GROUP_REFRESH_HISTORY: the last 12 hours by default, other ranges within 14 days, an error beyond', async () => {
    const org = new SimReplication();
    org.addGroup({ name: 'G', type: 'FAILOVER', databases: ['SALES'], accounts: ['MYORG.PRIMARY', 'MYORG.DR'], primary: 'MYORG.PRIMARY' });
    const now = Date.now();
    for (const hours of [1, 20, 24 * 10]) org.recordGroupRefresh('G', 'MYORG.DR', { start: now - hours * 3_600_000, end: now - hours * 3_600_000 + 1000, phase: 'COMPLETED' });
    sim = await startSnowflakeSimulator({ account: 'MYORG-DR', replication: org, users: { gds: { password: 'gds-sim-Pw1' } } });
    const token = (await post('/session/v1/login-request', { data: { ACCOUNT_NAME: 'MYORG-DR', LOGIN_NAME: 'gds', PASSWORD: 'gds-sim-Pw1' } })).data.token as string;
    sim.model.addDatabase({ name: 'SALES' });
    const history = (args: string) => run(token, `SELECT PHASE_NAME, START_TIME FROM TABLE("SALES".INFORMATION_SCHEMA.REPLICATION_GROUP_REFRESH_HISTORY(?${args})) ORDER BY START_TIME DESC`, ['"G"']);
    expect((await history('')).data.rowset).toHaveLength(1);
    expect((await history(', DATE_RANGE_START => DATEADD(DAY, -13, CURRENT_TIMESTAMP()), DATE_RANGE_END => CURRENT_TIMESTAMP()')).data.rowset).toHaveLength(3);
    expect(await history(', DATE_RANGE_START => DATEADD(DAY, -15, CURRENT_TIMESTAMP())')).toMatchObject({ success: false });
    expect(await run(token, 'SHOW FAILOVER GROUPS')).toMatchObject({ success: true });
  });

  it('failover suspends every secondary until RESUME runs in its account; RESUME on the primary is refused', async () => {
    const org = new SimReplication();
    org.addGroup({ name: 'G', type: 'FAILOVER', databases: ['SALES'], accounts: ['MYORG.PRIMARY', 'MYORG.DR', 'MYORG.DR2'], primary: 'MYORG.PRIMARY' });
    sim = await startSnowflakeSimulator({ account: 'MYORG-DR', replication: org, users: { gds: { password: 'gds-sim-Pw1' } } });
    const token = (await post('/session/v1/login-request', { data: { ACCOUNT_NAME: 'MYORG-DR', LOGIN_NAME: 'gds', PASSWORD: 'gds-sim-Pw1' } })).data.token as string;
    expect(await run(token, 'ALTER FAILOVER GROUP "G" PRIMARY')).toMatchObject({ success: true });
    expect(org.groups.get('G')?.primary).toBe('MYORG.DR');
    expect([...org.groups.get('G')!.suspended].sort()).toEqual(['MYORG.DR2', 'MYORG.PRIMARY']);
    const groups = await run(token, 'SHOW FAILOVER GROUPS');
    const cols = (groups.data.rowtype as { name: string }[]).map((c) => c.name);
    const state = (groups.data.rowset as (string | null)[][]).map((r) => [r[cols.indexOf('account_name')], r[cols.indexOf('secondary_state')]]);
    expect(state).toEqual([['PRIMARY', 'SUSPENDED'], ['DR', null], ['DR2', 'SUSPENDED']]);
    expect(await run(token, 'ALTER FAILOVER GROUP "G" RESUME')).toMatchObject({ success: false });
    org.groups.get('G')!.primary = 'MYORG.PRIMARY';
    org.groups.get('G')!.suspended.add('MYORG.DR');
    expect(await run(token, 'ALTER FAILOVER GROUP "G" RESUME')).toMatchObject({ success: true });
    expect(org.groups.get('G')!.suspended.has('MYORG.DR')).toBe(false);
  });

  it('DATABASE_REFRESH_PROGRESS answers in no particular order unless the statement orders it', async () => {
    const org = new SimReplication();
    org.addDatabase({ name: 'SALES', primary: 'MYORG.PRIMARY', secondaries: ['MYORG.DR'] });
    org.recordDatabaseRefresh('SALES', 'MYORG.DR', { start: Date.now() - 60_000, end: Date.now() - 1000, phase: 'COMPLETED' });
    sim = await startSnowflakeSimulator({ account: 'MYORG-DR', replication: org, users: { gds: { password: 'gds-sim-Pw1' } } });
    const token = (await post('/session/v1/login-request', { data: { ACCOUNT_NAME: 'MYORG-DR', LOGIN_NAME: 'gds', PASSWORD: 'gds-sim-Pw1' } })).data.token as string;
    const sql = 'SELECT PHASE_NAME, RESULT, START_TIME, END_TIME, DETAILS FROM TABLE("SALES".INFORMATION_SCHEMA.DATABASE_REFRESH_PROGRESS(?))';
    const phases = async (text: string) => ((await run(token, text, ['"SALES"'])).data.rowset as string[][]).map((r) => r[0]);
    const unordered = await phases(sql);
    const ordered = await phases(`${sql} ORDER BY START_TIME`);
    expect(ordered.at(-1)).toBe('COMPLETED');
    expect(unordered.at(-1)).not.toBe('COMPLETED');
    expect([...unordered].sort()).toEqual([...ordered].sort());
  });

  it('gives a refused port and a server that accepts and never answers', async () => {
    const port = await refusedPort();
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    const silent = await startSilentServer();
    try {
      const ac = new AbortController();
      const pending = fetch(`http://127.0.0.1:${silent.port}/`, { signal: ac.signal });
      // until the server has accepted the connection (not a fixed sleep), then give up
      for (const deadline = Date.now() + 20_000; silent.accepted() === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      await expect(pending).rejects.toThrow();
      expect(silent.accepted()).toBe(1);
    } finally {
      await silent.close();
    }
  }, 30_000);
});

// Unit tests of the Snowflake simulator, driven with plain HTTP requests shaped like the driver's
// (the real snowflake-sdk drives it in packages/gds-snowflake/test/*.sim.test.ts).
import { generateKeyPairSync, createSign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import { databaseRow, encodeCell, encodeRows, SHOW_DATABASES_COLUMNS, showReply, startSnowflakeSimulator, type SnowflakeSimulator } from '@gds/testkit/snowflake';

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
    await new Promise((r) => setTimeout(r, 50));
    expect(await post('/queries/v1/abort-request', { requestId: 'slow1' }, token)).toMatchObject({ success: true });
    expect(await running).toMatchObject({ success: false, code: '000604' });
    expect(sim.aborts).toEqual(['slow1']);
  });

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

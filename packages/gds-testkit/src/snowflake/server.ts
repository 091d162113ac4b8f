/**
 * A loopback HTTP server that speaks the part of Snowflake's REST protocol the real
 * `snowflake-sdk` driver uses: login (password, key-pair JWT checked against a public key, OAuth
 * token), statements answered from a script, session-token renewal and expiry, heartbeat, abort
 * (cancel), telemetry and logout. It records every login and statement (with its bindings) so
 * that tests assert both what the client made of a reply and exactly what it sent.
 *
 * Statements are answered from the script first (rules, newest first), then by the account
 * model (account.ts: the statements gds sends, against a small state with documented rules), and
 * a statement neither knows gets error `999999`.
 *
 * Limits: plain HTTP only (the driver accepts `protocol: 'http'`); JSON results only (no Arrow,
 * no result chunks); one account per simulator (several share a {@link SimReplication}).
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createVerify, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { SimAccountModel } from './account.js';
import type { SimReplication } from './replication.js';
import { errorResponse, pickReply, queryResponse, unscripted, type RecordedQuery, type SimErrorReply, type SimMatcher, type SimReply, type SimRowsReply, type SimRule } from './script.js';

/** A user the simulator lets in, and with what. */
export interface SimUser {
  /** Password for the default (SNOWFLAKE) authenticator. */
  password?: string;
  /** OAuth access token (authenticator OAUTH). */
  oauthToken?: string;
  /** PEM public key whose private key signs the key-pair JWT (authenticator SNOWFLAKE_JWT). */
  publicKey?: string;
  /** The user's parameters (`ALTER USER ... SET`), e.g. `{ QUOTED_IDENTIFIERS_IGNORE_CASE: 'TRUE' }`. */
  parameters?: Record<string, string>;
}

/** Options of {@link startSnowflakeSimulator}. */
export interface SnowflakeSimulatorOptions {
  /** The account name logins must carry (compared case-insensitively). Defaults to `'SIMACCOUNT'`. */
  account?: string;
  /** The users, by login name (compared case-insensitively). Defaults to `{ gds: { password: 'gds-sim-Pw1' } }`. */
  users?: Record<string, SimUser>;
  /** Account parameters (`ALTER ACCOUNT SET`), e.g. `{ QUOTED_IDENTIFIERS_IGNORE_CASE: 'TRUE' }`. */
  parameters?: Record<string, string>;
  /** The organization's shared replication state (give the same object to each of its accounts). */
  replication?: SimReplication;
  /** The account as replication names it, `ORG.ACCOUNT`. Defaults to `account` with its first `-` as the dot. */
  accountId?: string;
}

/** A recorded login attempt (the secret itself is not kept, only how it was checked). */
export interface RecordedLogin {
  account: string;
  user: string;
  authenticator: string;
  warehouse: string | undefined;
  database: string | undefined;
  role: string | undefined;
  /** Whether the simulator let it in. */
  accepted: boolean;
  /** The JWT's `sub` claim for key-pair logins. */
  jwtSubject?: string;
}

interface Session {
  id: number;
  user: string;
  token: string;
  masterToken: string;
  sessionExpired: boolean;
  masterExpired: boolean;
  gone: boolean;
  parameters: Map<string, string>;
  userParameters: Record<string, string>;
}

/**
 * A running simulator. Close it with `close()` (or `await using`).
 *
 * ### Examples
 * ```ts
 * await using sim = await startSnowflakeSimulator({ users: { alice: { password: 'pw-alice1' } } });
 * sim.reply(/^SHOW DATABASES/, { columns: [{ name: 'name', type: 'text' }], rows: [{ name: 'SALES' }] });
 * // connect snowflake-sdk with accessUrl: sim.accessUrl, account: sim.account ...
 * expect(sim.queries.map((q) => q.sqlText)).toEqual(['SHOW DATABASES']);
 * ```
 */
export interface SnowflakeSimulator extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: the driver's `accessUrl`. */
  readonly accessUrl: string;
  /** The loopback port. */
  readonly port: number;
  /** The account name it expects. */
  readonly account: string;
  /** Every login attempt. */
  readonly logins: RecordedLogin[];
  /** Every statement received (a resubmitted statement appears again). */
  readonly queries: RecordedQuery[];
  /** Request ids of abort (cancel) requests. */
  readonly aborts: string[];
  /** The account model that answers what the script does not (databases, parameters, replication). */
  readonly model: SimAccountModel;
  /** How many heartbeats, token renewals, telemetry posts and logouts arrived. */
  readonly counts: { heartbeats: number; renewals: number; telemetry: number; logouts: number };
  /** Answers statements matching `match` with `reply`, `times` times (default: always). Newest rules win. */
  reply(match: SimMatcher, reply: SimReply, times?: number): void;
  /** Shortcut for an error reply. */
  fail(match: SimMatcher, code: string, message: string, sqlState?: string, times?: number): void;
  /** Makes every open session's token expired (390112, which the driver renews); `master` also fails the renewal (390114). */
  expireSessions(options?: { master?: boolean }): void;
  /** Ends every open session on the server side: the next request gets 390111 (session gone). */
  dropSessions(): void;
  /** How many sessions are open (logged in and not logged out). */
  openSessions(): number;
  /** Forgets recorded queries, logins, aborts and counts (rules stay). */
  clearRecords(): void;
  /** Stops the server and drops its sockets. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      // the driver gzips bodies without always saying so: look at the magic bytes
      if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
      resolve(body.toString('utf8'));
    });
  });
}

function parseJson(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function tokenOf(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  return /Snowflake Token="([^"]*)"/.exec(header)?.[1] ?? '';
}

function verifyJwt(jwt: string, publicKey: string): { ok: boolean; sub?: string } {
  const parts = jwt.split('.');
  if (parts.length !== 3) return { ok: false };
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    const ok = verifier.verify(publicKey, Buffer.from(signature, 'base64url'));
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: string };
    return { ok, sub: claims.sub };
  } catch {
    return { ok: false };
  }
}

/**
 * Starts a simulator on a free loopback port.
 *
 * ### Examples
 * ```ts
 * const sim = await startSnowflakeSimulator();
 * try { ... } finally { await sim.close(); }
 * ```
 */
export async function startSnowflakeSimulator(options: SnowflakeSimulatorOptions = {}): Promise<SnowflakeSimulator> {
  const account = options.account ?? 'SIMACCOUNT';
  const model = new SimAccountModel((options.accountId ?? account.replace('-', '.')).toUpperCase(), options.replication);
  for (const [k, v] of Object.entries(options.parameters ?? {})) model.parameters.set(k.toUpperCase(), v.toUpperCase());
  const users = new Map(Object.entries(options.users ?? { gds: { password: 'gds-sim-Pw1' } }).map(([k, v]) => [k.toUpperCase(), v]));
  const rules: SimRule[] = [];
  const sessions = new Map<string, Session>();
  const byMaster = new Map<string, Session>();
  const pending = new Map<string, (reply: SimErrorReply) => void>();
  const logins: RecordedLogin[] = [];
  const queries: RecordedQuery[] = [];
  const aborts: string[] = [];
  const counts = { heartbeats: 0, renewals: 0, telemetry: 0, logouts: 0 };
  let nextSession = 1;

  const send = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const sessionCheck = (token: string): Record<string, unknown> | Session => {
    const s = sessions.get(token);
    if (!s || s.gone) return errorResponse('390111', 'Session no longer exists.  New login required to access the service.');
    if (s.sessionExpired) return errorResponse('390112', 'Your session has expired. Please login again.');
    return s;
  };

  const login = (req: IncomingMessage, url: URL, body: Record<string, unknown>): Record<string, unknown> => {
    const data = (body.data ?? {}) as Record<string, unknown>;
    const user = String(data.LOGIN_NAME ?? '');
    const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
    const entry = users.get(user.toUpperCase());
    const record: RecordedLogin = {
      account: String(data.ACCOUNT_NAME ?? ''),
      user,
      authenticator,
      warehouse: url.searchParams.get('warehouse') ?? undefined,
      database: url.searchParams.get('databaseName') ?? undefined,
      role: url.searchParams.get('roleName') ?? undefined,
      accepted: false,
    };
    let ok = record.account.toUpperCase() === account.toUpperCase() && entry !== undefined;
    if (ok && entry) {
      if (authenticator === 'SNOWFLAKE_JWT') {
        const v = entry.publicKey ? verifyJwt(String(data.TOKEN ?? ''), entry.publicKey) : { ok: false };
        record.jwtSubject = v.sub;
        ok = v.ok && v.sub === `${account.toUpperCase()}.${user.toUpperCase()}`;
      } else if (authenticator === 'OAUTH') {
        ok = entry.oauthToken !== undefined && data.TOKEN === entry.oauthToken;
      } else {
        ok = entry.password !== undefined && data.PASSWORD === entry.password;
      }
    }
    logins.push(record);
    void req;
    if (!ok) return errorResponse('390100', 'Incorrect username or password was specified.');
    record.accepted = true;
    const session: Session = {
      id: nextSession++,
      user,
      token: `sim-session-${randomUUID()}`,
      masterToken: `sim-master-${randomUUID()}`,
      sessionExpired: false,
      masterExpired: false,
      gone: false,
      parameters: new Map(),
      userParameters: Object.fromEntries(Object.entries(entry?.parameters ?? {}).map(([k, v]) => [k.toUpperCase(), v.toUpperCase()])),
    };
    sessions.set(session.token, session);
    byMaster.set(session.masterToken, session);
    return {
      success: true,
      code: null,
      message: null,
      data: {
        token: session.token,
        masterToken: session.masterToken,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        sessionId: session.id,
        parameters: [],
        sessionInfo: { databaseName: record.database ?? null, schemaName: null, warehouseName: record.warehouse ?? null, roleName: record.role ?? 'PUBLIC' },
      },
    };
  };

  const query = async (req: IncomingMessage, url: URL, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const token = tokenOf(req);
    const bindings = (body.bindings ?? {}) as Record<string, { type?: string; value?: unknown }>;
    const keys = Object.keys(bindings).sort((a, b) => Number(a) - Number(b));
    const recorded: RecordedQuery = {
      sqlText: String(body.sqlText ?? ''),
      bindings: keys.map((k) => bindings[k]?.value),
      bindingTypes: keys.map((k) => String(bindings[k]?.type ?? '')),
      requestId: url.searchParams.get('requestId') ?? '',
      token,
    };
    queries.push(recorded);
    const check = sessionCheck(token);
    if (!('token' in check)) {
      recorded.refusedWith = String(check.code);
      return check;
    }
    const reply: SimRowsReply | SimErrorReply = pickReply(rules, recorded) ?? model.execute(recorded.sqlText, recorded.bindings, check as Session) ?? unscripted(recorded);
    if (reply.delayMs) {
      const cancelled = await new Promise<SimErrorReply | undefined>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(recorded.requestId);
          resolve(undefined);
        }, reply.delayMs);
        pending.set(recorded.requestId, (r) => {
          clearTimeout(timer);
          pending.delete(recorded.requestId);
          resolve(r);
        });
      });
      if (cancelled) return queryResponse(cancelled);
    }
    return queryResponse(reply);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = parseJson(await readBody(req));
    switch (url.pathname) {
      case '/session/v1/login-request':
        return send(res, login(req, url, body));
      case '/queries/v1/query-request':
        return send(res, await query(req, url, body));
      case '/queries/v1/abort-request': {
        const requestId = String(body.requestId ?? '');
        aborts.push(requestId);
        pending.get(requestId)?.({ error: { code: '000604', message: 'SQL execution canceled', sqlState: '57014' } });
        return send(res, { success: true, data: null });
      }
      case '/session/token-request': {
        counts.renewals++;
        const s = byMaster.get(tokenOf(req));
        if (!s || s.masterExpired) return send(res, errorResponse('390114', 'Authentication token has expired.  The user must authenticate again.'));
        sessions.delete(s.token);
        s.token = `sim-session-${randomUUID()}`;
        s.sessionExpired = false;
        sessions.set(s.token, s);
        return send(res, { success: true, data: { sessionToken: s.token, validityInSecondsST: 3600, masterToken: s.masterToken, validityInSecondsMT: 14400 } });
      }
      case '/session/heartbeat': {
        counts.heartbeats++;
        const check = sessionCheck(tokenOf(req));
        return send(res, 'token' in check ? { success: true, data: {} } : check);
      }
      case '/telemetry/send':
        counts.telemetry++;
        return send(res, { success: true, data: 'Log Received' });
      case '/session': {
        if (url.searchParams.get('delete') === 'true') {
          counts.logouts++;
          const s = sessions.get(tokenOf(req));
          if (s) {
            sessions.delete(s.token);
            byMaster.delete(s.masterToken);
          }
          return send(res, { success: true, data: null });
        }
        break;
      }
      default:
        if (/^\/queries\/[^/]+\/abort-request$/.test(url.pathname)) {
          aborts.push(url.pathname.split('/')[2] ?? '');
          return send(res, { success: true, data: null });
        }
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: false, code: '390404', message: `simulator: no route ${req.method} ${url.pathname}` }));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed = false;

  const sim: SnowflakeSimulator = {
    accessUrl: `http://127.0.0.1:${port}`,
    port,
    account,
    logins,
    queries,
    aborts,
    model,
    counts,
    reply(match, reply, times) {
      rules.push({ match, reply, remaining: times });
    },
    fail(match, code, message, sqlState, times) {
      rules.push({ match, reply: { error: { code, message, sqlState } }, remaining: times });
    },
    expireSessions(opts = {}) {
      for (const s of sessions.values()) {
        s.sessionExpired = true;
        if (opts.master) s.masterExpired = true;
      }
    },
    dropSessions() {
      for (const s of sessions.values()) s.gone = true;
    },
    openSessions() {
      return [...sessions.values()].filter((s) => !s.gone).length;
    },
    clearRecords() {
      logins.length = 0;
      queries.length = 0;
      aborts.length = 0;
      counts.heartbeats = counts.renewals = counts.telemetry = counts.logouts = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const resolve of pending.values()) resolve({ error: { code: '000604', message: 'simulator closed', sqlState: '57014' } });
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    [Symbol.asyncDispose]() {
      return sim.close();
    },
  };
  return sim;
}

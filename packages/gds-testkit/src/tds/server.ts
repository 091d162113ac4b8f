/**
 * TdsSimulator: a loopback server speaking enough TDS 7.4 for tedious (PRELOGIN without TLS,
 * LOGIN7, SQL_BATCH, RPC incl. sp_executesql, ATTENTION) that answers from a script and records
 * what it received. It is a test double for the protocol, not a SQL engine: it never parses or
 * runs SQL, it only matches requests to scripted replies.
 *
 * Limits: no TLS (clients must use `encrypt: false`), no MARS, no transactions manager requests
 * (answered with an empty DONE), one request at a time per connection (as tedious sends them).
 *
 * @module
 */
import net from 'node:net';
import { decodeLogin7, decodeRpc, decodeSqlBatch } from './decode.js';
import { MessageReader, packets, PacketType, type TdsMessage } from './packet.js';
import { matches, type TdsMatcher, type TdsReply, type TdsRequest, type TdsRule } from './script.js';
import * as T from './tokens.js';
import type { TdsCatalog } from './catalog.js';
import { resolveColumns, type TdsColumn, type TdsValue } from './values.js';

type TdsColumnLike = Omit<TdsColumn, 'name'>;

/** SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, sort id 52 (code page 1252). */
const SERVER_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
type TdsValueLike = TdsValue;

/**
 * Options of {@link TdsSimulator.start}.
 *
 * ### Examples
 * ```ts
 * const sim = await TdsSimulator.start({ users: { sa: 'Str0ng!pw' } });
 * ```
 */
export interface TdsSimulatorOptions {
  /** Logins and passwords accepted; any login is accepted when omitted. */
  users?: Record<string, string>;
  /** Databases a login may ask for (others fail with 4060); any when omitted. */
  databases?: readonly string[];
  /** The version LOGINACK reports (default 16.0.4135, SQL Server 2022). */
  version?: readonly [number, number, number];
  /**
   * The server's offset from UTC in minutes (default 0). `datetime`/`datetime2` values are sent
   * as the server's local wall clock, as SQL Server stores them; the built-in answer to
   * `DATEPART(TZOFFSET, SYSDATETIMEOFFSET())` is this number.
   */
  utcOffsetMinutes?: number;
  /** `SERVERPROPERTY('Edition')` (default 'Developer Edition (64-bit)'). */
  edition?: string;
  /**
   * `SERVERPROPERTY('EngineEdition')`: 2 Standard, 3 Enterprise/Developer (default), 4 Express,
   * 5 Azure SQL Database, 8 Azure SQL Managed Instance.
   */
  engineEdition?: number;
}

/** A login the simulator accepted or refused (never with the password). */
export interface TdsLogin {
  /** The login name. */
  user: string;
  /** The database asked for. */
  database: string;
  /** The client's application name. */
  appName: string;
  /** Whether it was accepted. */
  accepted: boolean;
}

interface Flight {
  attention: boolean;
  wake: () => void;
}

// tedious's automatic post-login batch (19.x starts with ansi_nulls, older releases with textsize)
const INITIAL_SQL = /^set (ansi_nulls on\b|textsize )/i;

function sleep(ms: number, flight: Flight): Promise<void> {
  if (ms <= 0 || flight.attention) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    flight.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

/**
 * The simulator. Start it, script replies with {@link TdsSimulator.on}, point tedious at
 * `127.0.0.1:port` with `encrypt: false`, then assert on {@link TdsSimulator.queries}.
 *
 * ### Examples
 * ```ts
 * const sim = await TdsSimulator.start();
 * sim.on("SERVERPROPERTY('ProductVersion')", { columns: ['version'], rows: [['16.0.4135.4']] });
 * // ... run code with tedious against `mssql://sa:pw@127.0.0.1:${sim.port}/master?encrypt=false`
 * expect(sim.queries().map((q) => q.sql)).toContain("select SERVERPROPERTY('ProductVersion') as version");
 * await sim.close();
 * ```
 */
export class TdsSimulator {
  /** Every request received, in order (the driver's post-login batch included). */
  readonly requests: TdsRequest[] = [];
  /** Every login attempt. */
  readonly logins: TdsLogin[] = [];
  /** How many attention (cancel) messages arrived. */
  attentions = 0;
  readonly #server: net.Server;
  readonly #options: TdsSimulatorOptions;
  readonly #rules: Array<TdsRule & { used: number }> = [];
  readonly #sockets = new Set<net.Socket>();
  /** Each connection's current database (ENVCHANGE at login, then every USE). */
  readonly #databaseOf = new Map<number, string>();
  #catalog: TdsCatalog | undefined;
  #nextConnection = 1;

  private constructor(server: net.Server, options: TdsSimulatorOptions) {
    this.#server = server;
    this.#options = options;
  }

  /**
   * Starts a simulator on a free loopback port.
   *
   * ### Examples
   * ```ts
   * const sim = await TdsSimulator.start();
   * ```
   */
  static async start(options: TdsSimulatorOptions = {}): Promise<TdsSimulator> {
    const server = net.createServer();
    const sim = new TdsSimulator(server, options);
    server.on('connection', (socket) => sim.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return sim;
  }

  /** The port it listens on. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** How many client connections are open right now. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /**
   * A connection URL for it: `mssql://user:password@127.0.0.1:port/database?encrypt=false`.
   *
   * ### Examples
   * ```ts
   * await DatabaseManager.connect(sim.url('sa', 'pw'));
   * ```
   */
  url(user = 'sa', password = 'sim-Passw0rd', database = 'master'): string {
    return `mssql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${encodeURIComponent(database)}?encrypt=false`;
  }

  /**
   * Adds a rule; later rules are tried first, so a test can override a default.
   *
   * ### Examples
   * ```ts
   * sim.on(/^ALTER DATABASE/, { rowCount: 0 });
   * sim.on('sys.databases', { columns: ['name'], rows: [] }, { times: 1 });
   * ```
   */
  on(match: TdsMatcher, reply: TdsRule['reply'], options: { times?: number } = {}): this {
    this.#rules.unshift({ match, reply, times: options.times, used: 0 });
    return this;
  }

  /** The requests gds sent, without the driver's automatic post-login batch. */
  queries(): TdsRequest[] {
    return this.requests.filter((r) => !(r.kind === 'batch' && INITIAL_SQL.test(r.sql)));
  }

  /**
   * Lets `catalog` answer the statements it knows (CREATE/DROP/ALTER DATABASE, BACKUP, RESTORE)
   * with the documented results and errors, after the scripted rules and before the built-in
   * answers. `undefined` removes it.
   *
   * ### Examples
   * ```ts
   * const catalog = new TdsCatalog();
   * sim.useCatalog(catalog);
   * ```
   */
  useCatalog(catalog: TdsCatalog | undefined): this {
    this.#catalog = catalog;
    return this;
  }

  /** The current database of simulated connection `connection` (1, 2, ...). */
  databaseOf(connection: number): string | undefined {
    return this.#databaseOf.get(connection);
  }

  /** Forgets the rules and the records (keeps connections open). */
  reset(): void {
    this.#rules.length = 0;
    this.requests.length = 0;
    this.logins.length = 0;
    this.attentions = 0;
  }

  /** Closes every client connection abruptly, as a crashed or restarted server would. */
  dropConnections(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /**
   * Stops listening and closes every connection.
   *
   * ### Examples
   * ```ts
   * afterAll(() => sim.close());
   * ```
   */
  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket);
    const id = this.#nextConnection++;
    const reader = new MessageReader();
    let user = '';
    let chain: Promise<void> = Promise.resolve();
    let flight: Flight | undefined;
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const write = (payload: Buffer, eom: boolean) => {
      if (!socket.destroyed) socket.write(packets(PacketType.TABULAR_RESULT, payload, eom));
    };
    socket.on('data', (chunk: Buffer) => {
      let messages: TdsMessage[];
      try {
        messages = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) {
        if (message.type === PacketType.ATTENTION) {
          this.attentions++;
          if (flight) {
            flight.attention = true;
            flight.wake();
          } else {
            write(T.done(T.DoneStatus.ATTN), true);
          }
          continue;
        }
        chain = chain.then(async () => {
          const current: Flight = { attention: false, wake: () => undefined };
          flight = current;
          try {
            const who = await this.#handle(message, id, user, current, write, () => socket.destroy());
            if (who !== undefined) user = who;
          } catch (e) {
            write(Buffer.concat([T.error({ number: 50000, message: `gds-tds-sim: ${e instanceof Error ? e.message : String(e)}` }), T.done(T.DoneStatus.ERROR)]), true);
          } finally {
            flight = undefined;
          }
        });
      }
    });
  }

  /** Handles one message; returns the login name after a LOGIN7. */
  async #handle(message: TdsMessage, connection: number, user: string, flight: Flight, write: (payload: Buffer, eom: boolean) => void, drop: () => void): Promise<string | undefined> {
    const version = this.#options.version ?? [16, 0, 4135];
    switch (message.type) {
      case PacketType.PRELOGIN:
        write(T.preloginReply(version), true);
        return undefined;
      case PacketType.LOGIN7:
        return this.#login(message.payload, version, write, connection);
      case PacketType.SQL_BATCH: {
        const request: TdsRequest = { kind: 'batch', sql: decodeSqlBatch(message.payload), params: {}, connection, user };
        await this.#answer(request, false, flight, write, drop);
        return undefined;
      }
      case PacketType.RPC: {
        const call = decodeRpc(message.payload);
        const params: Record<string, unknown> = {};
        let sql = call.procName !== undefined ? `EXEC ${call.procName}` : `EXEC proc ${call.procId}`;
        let declaration: string | undefined;
        call.params.forEach((p, i) => {
          const name = p.name.replace(/^@/, '');
          if (call.procId === 10 && i === 0) sql = String(p.value);
          else if (call.procId === 10 && i === 1 && typeof p.value === 'string') declaration = p.value;
          else params[name] = p.value;
        });
        const request: TdsRequest = { kind: 'rpc', sql, params: params as TdsRequest['params'], connection, user };
        if (declaration !== undefined) request.declaration = declaration;
        await this.#answer(request, true, flight, write, drop);
        return undefined;
      }
      default:
        write(T.done(T.DoneStatus.FINAL), true);
        return undefined;
    }
  }

  #login(payload: Buffer, version: readonly [number, number, number], write: (payload: Buffer, eom: boolean) => void, connection: number): string {
    const login = decodeLogin7(payload);
    const users = this.#options.users;
    const database = login.database || 'master';
    const record: TdsLogin = { user: login.user, database, appName: login.appName, accepted: false };
    this.logins.push(record);
    if (users && users[login.user] !== login.password) {
      write(Buffer.concat([T.error({ number: 18456, class: 14, message: `Login failed for user '${login.user}'.` }), T.done(T.DoneStatus.ERROR, 0, 0)]), true);
      return login.user;
    }
    const dbs = this.#options.databases;
    if (dbs && !dbs.includes(database)) {
      write(
        Buffer.concat([
          T.error({ number: 4060, class: 11, message: `Cannot open database "${database}" requested by the login. The login failed.` }),
          T.error({ number: 18456, class: 14, message: `Login failed for user '${login.user}'.` }),
          T.done(T.DoneStatus.ERROR, 0, 0),
        ]),
        true,
      );
      return login.user;
    }
    record.accepted = true;
    this.#databaseOf.set(connection, database);
    write(
      Buffer.concat([
        T.envChange(1, database, 'master'),
        T.info({ number: 5701, class: 0, message: `Changed database context to '${database}'.` }),
        // the database's collation (SQL_Latin1_General_CP1_CI_AS): clients need it to send varchar
        T.envChangeBytes(7, SERVER_COLLATION),
        T.envChange(2, 'us_english', ''),
        T.info({ number: 5703, class: 0, message: 'Changed language setting to us_english.' }),
        T.loginAck(version),
        T.envChange(4, '4096', '4096'),
        T.done(T.DoneStatus.FINAL, 0, 0),
      ]),
      true,
    );
    return login.user;
  }

  /** The server's UTC offset in minutes (see {@link TdsSimulatorOptions.utcOffsetMinutes}). */
  get utcOffsetMinutes(): number {
    return this.#options.utcOffsetMinutes ?? 0;
  }

  /**
   * What the server knows about itself, answered when no rule matched: the version/edition
   * query (`SERVERPROPERTY('ProductVersion')`, `'Edition'`, `'EngineEdition'`, one column per
   * property asked, in the order asked) and the UTC offset (`DATEPART(TZOFFSET,
   * SYSDATETIMEOFFSET())`).
   */
  #builtIn(request: TdsRequest): TdsReply | undefined {
    const sql = request.sql;
    // USE in a batch of its own changes the session's database (ENVCHANGE 1 + message 5701)
    const use = /^\s*USE\s+(\[(?:[^\]]|\]\])*\]|\w+)\s*;?\s*$/i.exec(sql);
    if (use && request.kind === 'batch') {
      const name = (use[1] ?? '').startsWith('[') ? (use[1] ?? '').slice(1, -1).replaceAll(']]', ']') : (use[1] ?? '');
      return { database: name };
    }
    if (/^\s*select\b/i.test(sql) && !/\bfrom\b/i.test(sql)) {
      const [major, minor, build] = this.#options.version ?? [16, 0, 4135];
      const known: Array<[RegExp, TdsColumnLike, TdsValueLike]> = [
        [/SERVERPROPERTY\('ProductVersion'\)(?:\s+as\s+\w+(?:\(\d+\))?\))?\s+as\s+\[?(\w+)/i, { type: 'nvarchar' }, `${major}.${minor}.${build}.0`],
        [/SERVERPROPERTY\('Edition'\)(?:\s+as\s+\w+(?:\(\d+\))?\))?\s+as\s+\[?(\w+)/i, { type: 'nvarchar' }, this.#options.edition ?? 'Developer Edition (64-bit)'],
        [/SERVERPROPERTY\('EngineEdition'\)(?:\s+as\s+\w+(?:\(\d+\))?\))?\s+as\s+\[?(\w+)/i, { type: 'int' }, this.#options.engineEdition ?? 3],
        [/DATEPART\(TZOFFSET,\s*SYSDATETIMEOFFSET\(\)\)(?:\s+as\s+\w+(?:\(\d+\))?\))?\s+as\s+\[?(\w+)/i, { type: 'int' }, this.utcOffsetMinutes],
      ];
      const found = known.map(([re, c, v]) => ({ m: re.exec(sql), c, v })).filter((x) => x.m !== null);
      if (found.length > 0) {
        found.sort((a, b) => (a.m?.index ?? 0) - (b.m?.index ?? 0));
        return { columns: found.map((x) => ({ name: x.m?.[1] ?? '', ...x.c })), rows: [found.map((x) => x.v)] };
      }
    }
    return undefined;
  }

  #reply(request: TdsRequest): TdsReply {
    if (request.kind === 'batch' && INITIAL_SQL.test(request.sql)) return {};
    for (const rule of this.#rules) {
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      if (!matches(rule.match, request)) continue;
      rule.used++;
      return typeof rule.reply === 'function' ? rule.reply(request) : rule.reply;
    }
    return this.#catalog?.answer(request) ?? this.#builtIn(request) ?? { error: { number: 50000, class: 16, message: `gds-tds-sim: no scripted reply for: ${request.sql.slice(0, 300)}` } };
  }

  async #answer(request: TdsRequest, rpc: boolean, flight: Flight, write: (payload: Buffer, eom: boolean) => void, drop: () => void): Promise<void> {
    this.requests.push(request);
    const reply = this.#reply(request);
    if (reply.drop) {
      drop();
      return;
    }
    const acknowledge = () => {
      // end the response in flight (tedious reads it as the cancelled request's answer), then
      // acknowledge the attention in a message of its own, as SQL Server does
      write(rpc ? T.doneProc(T.DoneStatus.FINAL) : T.done(T.DoneStatus.FINAL), true);
      write(T.done(T.DoneStatus.ATTN), true);
    };
    await sleep(reply.delayMs ?? 0, flight);
    for (const m of reply.messages ?? []) {
      if (flight.attention) break;
      const info = typeof m === 'string' ? { number: 0, message: m } : m;
      write(T.info({ ...info, class: info.class ?? 0 }), false);
      await sleep(typeof m === 'string' ? (reply.messageDelayMs ?? 0) : (m.delayMs ?? reply.messageDelayMs ?? 0), flight);
    }
    if (reply.hang && !flight.attention) await new Promise<void>((resolve) => (flight.wake = resolve));
    if (flight.attention) {
      acknowledge();
      return;
    }
    const sets = reply.resultSets ?? (reply.columns ? [{ columns: reply.columns, rows: reply.rows ?? [] }] : []);
    const parts: Buffer[] = [];
    if (reply.database !== undefined) {
      // inside sp_executesql a USE ends with the call: only a batch changes the session's database
      const old = this.#databaseOf.get(request.connection) ?? 'master';
      if (!rpc) this.#databaseOf.set(request.connection, reply.database);
      parts.push(T.envChange(1, reply.database, old), T.info({ number: 5701, class: 0, message: `Changed database context to '${reply.database}'.` }));
      if (rpc) parts.push(T.envChange(1, old, reply.database));
    }
    // SQL Server sends every error of a statement as its own ERROR token (BACKUP: 3201 then 3013;
    // ALTER DATABASE: 5070 then 5069), then one DONE with the error bit
    const errors = [...(reply.errors ?? []), ...(reply.error ? [reply.error] : [])];
    const doneOf = rpc ? T.doneInProc : T.done;
    sets.forEach((set, i) => {
      const columns = resolveColumns(set.columns, set.rows);
      parts.push(T.colMetadata(columns));
      for (const r of set.rows) parts.push(T.row(columns, r, this.utcOffsetMinutes));
      const more = i < sets.length - 1 || errors.length > 0 || rpc;
      parts.push(doneOf(T.DoneStatus.COUNT | (more ? T.DoneStatus.MORE : 0), set.rows.length));
    });
    if (errors.length > 0) {
      for (const e of errors) parts.push(T.error(e));
      parts.push(doneOf(T.DoneStatus.ERROR | (rpc ? T.DoneStatus.MORE : 0)));
    } else if (sets.length === 0) {
      parts.push(doneOf((reply.rowCount !== undefined ? T.DoneStatus.COUNT : 0) | (rpc ? T.DoneStatus.MORE : 0), reply.rowCount ?? 0));
    }
    if (rpc) parts.push(T.returnStatus(errors.length > 0 ? 1 : 0), T.doneProc(errors.length > 0 ? T.DoneStatus.ERROR : T.DoneStatus.FINAL));
    write(Buffer.concat(parts), true);
  }
}

/**
 * The simulator's script: what a test says the "server" answers (rules matching a request to a
 * reply), and what the simulator records about each request it received.
 *
 * @module
 */
import type { RpcValue } from './decode.js';
import type { ServerMessage } from './tokens.js';
import type { TdsColumn, TdsValue } from './values.js';

/**
 * One request as the simulator received it: a SQL batch, or an RPC (sp_executesql's statement
 * and its parameter values by name, without `@`).
 *
 * ### Examples
 * ```ts
 * expect(sim.queries().at(-1)).toMatchObject({ sql: 'BACKUP DATABASE @db TO DISK = @path', params: { db: 'app' } });
 * ```
 */
export interface TdsRequest {
  /** `batch` for SQL_BATCH, `rpc` for an RPC call. */
  kind: 'batch' | 'rpc';
  /** The batch text, or sp_executesql's `@statement` (or `EXEC <name>` for another procedure). */
  sql: string;
  /** Parameter values by name without `@` (sp_executesql's `@statement`/`@params` left out). */
  params: Record<string, RpcValue>;
  /** sp_executesql's `@params` declaration, when an RPC carried one. */
  declaration?: string;
  /** Which simulated connection (1, 2, ...) sent it. */
  connection: number;
  /** The login of that connection. */
  user: string;
}

/**
 * A result set of a reply: column names (or typed columns) and rows of values in column order.
 *
 * ### Examples
 * ```ts
 * const set: TdsResultSet = { columns: ['name', { name: 'size', type: 'bigint' }], rows: [['app', 8192]] };
 * ```
 */
export interface TdsResultSet {
  /** The columns. */
  columns: ReadonlyArray<string | TdsColumn>;
  /** The rows, each an array in column order. */
  rows: ReadonlyArray<ReadonlyArray<TdsValue>>;
}

/**
 * An informational message of a reply (an INFO token), sent before the results; with
 * `delayMs` the simulator waits that long after sending it, so progress arrives over time.
 *
 * ### Examples
 * ```ts
 * const m: TdsInfo = { number: 3211, message: '10 percent processed.', delayMs: 20 };
 * ```
 */
export type TdsInfo = string | (ServerMessage & { delayMs?: number });

/**
 * What the simulated server answers to a request.
 *
 * ### Examples
 * ```ts
 * sim.on(/^BACKUP DATABASE/, { messages: ['10 percent processed.', '100 percent processed.'], rowCount: 0 });
 * sim.on('sys.databases', { columns: ['name'], rows: [['master'], ['app']] });
 * sim.on('DROP DATABASE', { error: { number: 3702, message: 'Cannot drop database "app" because it is currently in use.' } });
 * ```
 */
export interface TdsReply {
  /** INFO messages sent first, each flushed in its own packet. */
  messages?: readonly TdsInfo[];
  /** Default pause after each message, in ms. */
  messageDelayMs?: number;
  /** Result sets. */
  resultSets?: readonly TdsResultSet[];
  /** Shortcut for one result set: its columns. */
  columns?: TdsResultSet['columns'];
  /** Shortcut for one result set: its rows. */
  rows?: TdsResultSet['rows'];
  /** An ERROR token after the messages (and results); the request fails with it. */
  error?: ServerMessage;
  /**
   * Several ERROR tokens for one request, in order (sent before `error` when both are given),
   * as SQL Server reports a failed BACKUP/RESTORE (3201, then 3013) or ALTER DATABASE (5070,
   * then 5069); tedious then fails the request with an AggregateError of them.
   */
  errors?: readonly ServerMessage[];
  /** The session's database changes to this (ENVCHANGE type 1 and message 5701), as after `USE`. */
  database?: string;
  /** The row count reported for a statement without results. */
  rowCount?: number;
  /** Wait this long before answering (an attention cuts the wait short). */
  delayMs?: number;
  /** Never answer: only an attention (cancel or timeout) ends the request. */
  hang?: boolean;
  /** Close the socket instead of answering (a dropped connection). */
  drop?: boolean;
}

/** How a rule recognises a request: a substring of its SQL, a RegExp, or a predicate. */
export type TdsMatcher = string | RegExp | ((request: TdsRequest) => boolean);

/** A scripted rule. */
export interface TdsRule {
  /** Which requests it answers. */
  match: TdsMatcher;
  /** The reply, or a function of the request giving it. */
  reply: TdsReply | ((request: TdsRequest) => TdsReply);
  /** Answer this many times, then step aside (default: always). */
  times?: number;
}

/**
 * Whether `matcher` matches `request`.
 *
 * ### Examples
 * ```ts
 * matches('sys.databases', request);
 * ```
 */
export function matches(matcher: TdsMatcher, request: TdsRequest): boolean {
  if (typeof matcher === 'string') return request.sql.includes(matcher);
  if (matcher instanceof RegExp) return matcher.test(request.sql);
  return matcher(request);
}

/**
 * The script of the Snowflake simulator: rules that say "a statement matching this gets these
 * columns and rows / this error", tried newest first, each optionally limited to a number of
 * uses, and the JSON bodies Snowflake's REST API answers with. A statement no rule matches gets
 * an error reply (code `999999`) naming it, so a test never passes on an unscripted statement.
 *
 * @module
 */
import { encodeRows, rowType, type SimColumn, type SimValue } from './rowset.js';

/** A recorded statement, as the simulator received it. */
export interface RecordedQuery {
  /** The SQL text exactly as sent. */
  sqlText: string;
  /** The bound values in position order (`bindings["1"]`, `bindings["2"]`...). */
  bindings: unknown[];
  /** The bound types in position order (`TEXT`, `FIXED`, `BOOLEAN`...). */
  bindingTypes: string[];
  /** The driver's request id (the same for a resubmission after a session renewal). */
  requestId: string;
  /** The session token it carried. */
  token: string;
  /** Set when the session check refused it (390111 gone, 390112 expired): it did not run. */
  refusedWith?: string;
}

/** A successful reply: columns and rows. */
export interface SimRowsReply {
  /** The result columns. */
  columns: readonly SimColumn[];
  /** The rows, as objects keyed by column name or arrays in column order. */
  rows?: ReadonlyArray<Record<string, SimValue> | readonly SimValue[]>;
  /** Answer only after this many milliseconds (for cancellation tests). */
  delayMs?: number;
}

/** An error reply, as Snowflake sends it for a failed statement. */
export interface SimErrorReply {
  /** The error: Snowflake's six-digit code, message and SQLSTATE. */
  error: { code: string; message: string; sqlState?: string };
  /** Answer only after this many milliseconds. */
  delayMs?: number;
}

/** What a rule answers: rows, an error, or a function of the recorded query. */
export type SimReply = SimRowsReply | SimErrorReply | ((query: RecordedQuery) => SimRowsReply | SimErrorReply);

/** How a rule matches a statement: the exact text, a regular expression, or a predicate. */
export type SimMatcher = string | RegExp | ((query: RecordedQuery) => boolean);

/** A rule of the script. */
export interface SimRule {
  match: SimMatcher;
  reply: SimReply;
  /** How many statements it may answer; unlimited when undefined. */
  remaining: number | undefined;
}

/**
 * Whether `matcher` matches `query`. A string matches the exact text (surrounding whitespace
 * ignored); a RegExp is tested against the text.
 *
 * ### Examples
 * ```ts
 * matches(/^SHOW DATABASES/, { sqlText: 'SHOW DATABASES', bindings: [], bindingTypes: [], requestId: 'r', token: 't' }); // true
 * ```
 */
export function matches(matcher: SimMatcher, query: RecordedQuery): boolean {
  if (typeof matcher === 'string') return matcher.trim() === query.sqlText.trim();
  if (matcher instanceof RegExp) {
    matcher.lastIndex = 0;
    return matcher.test(query.sqlText);
  }
  return matcher(query);
}

/**
 * The reply for `query`: the newest rule that matches and has uses left (one use is consumed),
 * or `undefined`.
 *
 * ### Examples
 * ```ts
 * const reply = pickReply(rules, query) ?? unscripted(query);
 * ```
 */
export function pickReply(rules: SimRule[], query: RecordedQuery): SimRowsReply | SimErrorReply | undefined {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i];
    if (!rule || !matches(rule.match, query)) continue;
    if (rule.remaining !== undefined) {
      rule.remaining--;
      if (rule.remaining <= 0) rules.splice(i, 1);
    }
    return typeof rule.reply === 'function' ? rule.reply(query) : rule.reply;
  }
  return undefined;
}

/**
 * The error reply for a statement nothing was scripted for.
 *
 * ### Examples
 * ```ts
 * unscripted(query).error.code; // '999999'
 * ```
 */
export function unscripted(query: RecordedQuery): SimErrorReply {
  return { error: { code: '999999', message: `Snowflake simulator: no reply scripted for: ${query.sqlText}`, sqlState: '42000' } };
}

let queryCounter = 0;

/**
 * The JSON body of a query reply.
 *
 * ### Examples
 * ```ts
 * queryResponse({ columns: [{ name: 'n', type: 'fixed' }], rows: [[1]] }).data.rowset; // [['1']]
 * ```
 */
export function queryResponse(reply: SimRowsReply | SimErrorReply): Record<string, unknown> & { data: Record<string, unknown> } {
  const queryId = `01b00000-0000-sim0-0000-${String(++queryCounter).padStart(12, '0')}`;
  if ('error' in reply) {
    return {
      success: false,
      code: reply.error.code,
      message: reply.error.message,
      data: { sqlState: reply.error.sqlState ?? '42000', queryId, errorCode: reply.error.code, internalError: false, age: 0 },
    };
  }
  const rowset = encodeRows(reply.columns, reply.rows ?? []);
  return {
    success: true,
    code: null,
    message: null,
    data: {
      parameters: [],
      rowtype: rowType(reply.columns),
      rowset,
      total: rowset.length,
      returned: rowset.length,
      queryId,
      queryResultFormat: 'json',
      finalDatabaseName: null,
      finalSchemaName: null,
      finalWarehouseName: null,
      finalRoleName: null,
      statementTypeId: 4096,
      version: 1,
    },
  };
}

/**
 * The JSON body of an error that is not about a statement (login, token renewal).
 *
 * ### Examples
 * ```ts
 * errorResponse('390100', 'Incorrect username or password was specified.');
 * ```
 */
export function errorResponse(code: string, message: string): Record<string, unknown> {
  return { success: false, code, message, data: { nextAction: null, authnMethod: null } };
}

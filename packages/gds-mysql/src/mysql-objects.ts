/**
 * The objects of a database that RENAME TABLE cannot carry to another database — views, stored
 * procedures and functions, triggers (a table with triggers cannot even be renamed across
 * databases) and events — read as the server shows them (`SHOW CREATE ...`, from inside the
 * database so that its own names are not qualified) with the session settings they were made
 * with (sql_mode, client character set and collation, and for events the time zone), dropped, and
 * made again elsewhere with those same settings. This is how mysqldump itself carries them.
 *
 * Refused (before anything changes): a definition the account cannot read (SHOW CREATE gives
 * NULL without the privilege), one that still names its own database, and one made with a
 * non-UTF-8 client character set that holds non-ASCII text (mysql2 sends UTF-8).
 *
 * @module
 */
import { UnsupportedOperationError } from '@gds/database';
import { statement, type Statement } from '@gds/database/engine';
import type { MySQLConnection } from './mysql-connection.js';
import { quoteIdentifier } from './mysql-quote.js';

/** The kinds of objects carried by definition. */
export type ObjectKind = 'PROCEDURE' | 'FUNCTION' | 'VIEW' | 'TRIGGER' | 'EVENT';

/** One object, as SHOW CREATE gives it. */
export interface ObjectDefinition {
  kind: ObjectKind;
  name: string;
  /** The CREATE statement. */
  sql: string;
  /** The sql_mode it was made with (views have none). */
  sqlMode: string | undefined;
  charset: string;
  collation: string;
  /** Events only. */
  timeZone: string | undefined;
}

const q = (name: string) => quoteIdentifier(name);
const UTF8_CLIENTS = new Set(['utf8', 'utf8mb3', 'utf8mb4']);

/** The column of SHOW CREATE <kind> holding the statement. */
const CREATE_COLUMN: Record<ObjectKind, string> = { VIEW: 'Create View', TRIGGER: 'SQL Original Statement', PROCEDURE: 'Create Procedure', FUNCTION: 'Create Function', EVENT: 'Create Event' };

/** Names by kind, in the order they must be made again (routines before the views that call them; triggers in ACTION_ORDER). */
async function names(conn: MySQLConnection, database: string, signal?: AbortSignal): Promise<{ kind: ObjectKind; name: string }[]> {
  const rows = async (sql: string) => conn.query<{ kind: ObjectKind; name: string }>(sql, [database], { signal });
  return [
    ...(await rows('SELECT ROUTINE_TYPE AS kind, ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE, ROUTINE_NAME')),
    ...(await rows("SELECT 'VIEW' AS kind, TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME")),
    ...(await rows("SELECT 'TRIGGER' AS kind, TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER")),
    ...(await rows("SELECT 'EVENT' AS kind, EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME")),
  ].map((r) => ({ kind: String(r.kind).toUpperCase() as ObjectKind, name: String(r.name) }));
}

/**
 * Reads every view, routine, trigger and event of `database` (see the module comment).
 *
 * ### Examples
 * ```ts
 * const defs = await readDefinitions(conn, 'app'); // [{ kind: 'VIEW', name: 'cheap', sql: 'CREATE ALGORITHM=...', ... }]
 * ```
 */
export async function readDefinitions(conn: MySQLConnection, database: string, signal?: AbortSignal): Promise<ObjectDefinition[]> {
  const defs: ObjectDefinition[] = [];
  for (const { kind, name } of await names(conn, database, signal)) {
    const [row = {}] = await conn.query<Record<string, string | null>>(`SHOW CREATE ${kind} ${q(name)}`, [], { database, signal });
    const text = (key: string) => (row[key] === null || row[key] === undefined ? undefined : String(row[key]));
    const sql = text(CREATE_COLUMN[kind]);
    const what = `${kind.toLowerCase()} '${name}'`;
    const refuse = (why: string) => new UnsupportedOperationError(`Cannot carry the ${what} of '${database}' exactly: ${why}`, { engine: 'mysql', operation: 'restore', hint: 'restore under a new name instead of replacing' });
    if (!sql) throw refuse('the account cannot read its definition (SHOW CREATE gives none)');
    if (sql.includes(q(database))) throw refuse('its definition names its own database');
    const def: ObjectDefinition = { kind, name, sql, sqlMode: kind === 'VIEW' ? undefined : (text('sql_mode') ?? ''), charset: text('character_set_client') ?? 'utf8mb4', collation: text('collation_connection') ?? 'utf8mb4_general_ci', timeZone: kind === 'EVENT' ? text('time_zone') : undefined };
    if (!UTF8_CLIENTS.has(def.charset.toLowerCase()) && /[^ -~\t\r\n]/.test(sql)) throw refuse(`it was made with the client character set ${def.charset} and holds non-ASCII text`);
    defs.push(def);
  }
  return defs;
}

/** `DROP <kind> IF EXISTS` for each (triggers first: a table with triggers cannot be renamed across databases). */
export function dropStatements(database: string, defs: readonly ObjectDefinition[]): Statement[] {
  const order: ObjectKind[] = ['TRIGGER', 'EVENT', 'VIEW', 'FUNCTION', 'PROCEDURE'];
  return order.flatMap((kind) => defs.filter((d) => d.kind === kind).map((d) => statement(`DROP ${kind} IF EXISTS ${q(database)}.${q(d.name)}`)));
}

/**
 * Makes `defs` in `database`, each with its own settings, in order (views that depend on views
 * made later are retried until none is left or no progress is made).
 */
export async function createDefinitions(conn: MySQLConnection, database: string, defs: readonly ObjectDefinition[], record: (s: Statement) => void): Promise<void> {
  if (!defs.length) return;
  await conn.withSession(
    async (s) => {
      const make = async (def: ObjectDefinition) => {
        const settings = [`character_set_client = ?`, 'collation_connection = ?'];
        const params: unknown[] = [def.charset, def.collation];
        if (def.sqlMode !== undefined) {
          settings.unshift('sql_mode = ?');
          params.unshift(def.sqlMode);
        }
        if (def.timeZone !== undefined) {
          settings.push('time_zone = ?');
          params.push(def.timeZone);
        }
        await s.run(statement(`SET SESSION ${settings.join(', ')}`, params));
        const create = statement(def.sql);
        record(create);
        await s.run(create);
      };
      let views = defs.filter((d) => d.kind === 'VIEW');
      for (const def of defs.filter((d) => d.kind === 'PROCEDURE' || d.kind === 'FUNCTION')) await make(def);
      while (views.length) {
        const failed: ObjectDefinition[] = [];
        let lastError: unknown;
        for (const def of views) {
          await make(def).catch((error: unknown) => {
            lastError = error;
            failed.push(def);
          });
        }
        if (failed.length === views.length) throw lastError;
        views = failed;
      }
      for (const def of defs.filter((d) => d.kind === 'TRIGGER' || d.kind === 'EVENT')) await make(def);
    },
    { database },
  );
}

/**
 * How many of each kind, for messages: `2 views (a, b), 1 trigger (t)`.
 *
 * ### Examples
 * ```ts
 * describeDefinitions([{ kind: 'VIEW', name: 'v', ... }]); // '1 view (v)'
 * ```
 */
export function describeDefinitions(defs: readonly ObjectDefinition[]): string {
  const kinds: [ObjectKind, string][] = [
    ['VIEW', 'view'],
    ['PROCEDURE', 'procedure'],
    ['FUNCTION', 'function'],
    ['TRIGGER', 'trigger'],
    ['EVENT', 'event'],
  ];
  return kinds
    .map(([kind, word]) => {
      const list = defs.filter((d) => d.kind === kind).map((d) => d.name);
      return list.length ? `${list.length} ${word}${list.length === 1 ? '' : 's'} (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', ...' : ''})` : '';
    })
    .filter(Boolean)
    .join(', ');
}

/**
 * The CLI commands of the PostgreSQL engine (`gds postgres vacuum <db>`): each calls the
 * engine's own method on its PostgreSQLDatabase, typed. The CLI runs them with the same
 * confirmation, dry run, output and signals as its core commands.
 *
 * @module
 */
import type { EngineCommand } from '@gds/database/engine';
import type { PostgreSQLDatabase } from './postgres-database.js';

/** `--table schema.name` or `--table name`, as vacuum() takes it. */
const tableOf = (t: string): string | { schema: string; name: string } => (t.includes('.') ? { schema: t.slice(0, t.indexOf('.')), name: t.slice(t.indexOf('.') + 1) } : t);

/**
 * The PostgreSQL engine's CLI commands (the definition's `commands`).
 *
 * ### Examples
 * ```ts
 * POSTGRES_COMMANDS.map((c) => c.name); // ['vacuum']
 * ```
 */
export const POSTGRES_COMMANDS: readonly EngineCommand<PostgreSQLDatabase>[] = Object.freeze([
  {
    name: 'vacuum',
    description: 'VACUUM the database (or --table ones); --full rewrites tables and locks them',
    options: [
      ['--full', 'VACUUM FULL: rewrite tables and return space to the OS'],
      ['--no-analyze', 'skip refreshing planner statistics'],
      ['--freeze', 'freeze tuples aggressively'],
      ['--verbose', 'print per-table details'],
      ['--table <name...>', 'only these tables (schema.name or name)'],
    ],
    confirm: (db, _a, o) => (o.full ? `VACUUM FULL ${JSON.stringify(db)} (takes exclusive locks while it rewrites tables)` : undefined),
    run: (db, _args, o, ctx) =>
      db.vacuum({
        full: Boolean(o.full),
        analyze: o.analyze !== false,
        freeze: Boolean(o.freeze),
        verbose: Boolean(o.verbose),
        ...(Array.isArray(o.table) ? { tables: (o.table as string[]).map(tableOf) } : {}),
        ...ctx.changeOptions(),
      }),
  },
] satisfies EngineCommand<PostgreSQLDatabase>[]);

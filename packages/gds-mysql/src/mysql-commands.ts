/**
 * The CLI commands of the MySQL/MariaDB engine (`gds mysql analyze <db>`, `optimize`, `check`,
 * `read-only`): each calls the engine's own method on its MySQLDatabase, typed. The CLI runs
 * them with the same confirmation, dry run, output and signals as its core commands.
 *
 * @module
 */
import type { EngineCommand } from '@gds/database/engine';
import type { MySQLDatabase } from './mysql-database.js';
import type { CheckOptions } from './mysql-options.js';

const TABLE: [string, string] = ['--table <name...>', 'only these tables (default: every base table)'];
const LOCAL: [string, string] = ['--local', 'NO_WRITE_TO_BINLOG: do not replicate the statement'];
const tablesOf = (o: Record<string, unknown>) => (Array.isArray(o.table) ? { tables: (o.table as unknown[]).map(String) } : {});

/**
 * The MySQL/MariaDB engine's CLI commands (the definition's `commands`).
 *
 * ### Examples
 * ```ts
 * MYSQL_COMMANDS.map((c) => c.name); // ['analyze', 'optimize', 'check', 'read-only']
 * ```
 */
export const MYSQL_COMMANDS: readonly EngineCommand<MySQLDatabase>[] = Object.freeze([
  {
    name: 'analyze',
    description: 'ANALYZE TABLE every base table of the database (or --table ones): refresh index statistics',
    options: [TABLE, LOCAL],
    run: (db, _a, o, ctx) => db.analyze({ ...tablesOf(o), local: Boolean(o.local), ...ctx.changeOptions() }),
  },
  {
    name: 'optimize',
    description: 'OPTIMIZE TABLE every base table (or --table ones): rebuild them and return space (locks each table while it runs)',
    options: [TABLE, LOCAL],
    confirm: (db) => `OPTIMIZE TABLE rebuilds the tables of ${JSON.stringify(db)} (each is locked while it is rebuilt)`,
    run: (db, _a, o, ctx) => db.optimize({ ...tablesOf(o), local: Boolean(o.local), ...ctx.changeOptions() }),
  },
  {
    name: 'check',
    description: 'CHECK TABLE every base table (or --table ones): report corruption',
    options: [TABLE, ['--mode <mode>', `quick, fast, medium, extended, changed or forUpgrade (default: the server's, medium)`]],
    run: (db, _a, o, ctx) => {
      const mode = typeof o.mode === 'string' ? (o.mode as CheckOptions['mode']) : undefined;
      return db.checkIntegrity({ ...tablesOf(o), ...(mode !== undefined ? { mode } : {}), ...ctx.changeOptions() });
    },
  },
  {
    name: 'read-only',
    description: 'ALTER SCHEMA ... READ ONLY = 1 (MySQL 8.0.22+; --off: = 0)',
    options: [['--off', 'make it writable again']],
    confirm: (db, _a, o) => (o.off ? undefined : `make ${JSON.stringify(db)} read-only (every write to it fails until --off)`),
    run: (db, _a, o, ctx) => db.setReadOnly({ readOnly: !o.off, ...ctx.changeOptions() }),
  },
] satisfies EngineCommand<MySQLDatabase>[]);

/**
 * The psql a plain restore needs: one with `\restrict` (the 2025-08 security releases), so that a
 * meta-command gds's scan missed is refused by psql itself.
 *
 * @module
 */
import { PlainDumpRefusal } from './postgres-plain-dump-statement.js';

/** The first psql release of each branch with `\restrict` (the 2025-08 security releases). */
const RESTRICT_SINCE: Record<number, number> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6 };

/**
 * Refuses a plain restore with a psql that has no `\restrict` (older than 13.22, 14.19, 15.14,
 * 16.10, 17.6): without it, one gap in gds's scan would let the file run psql meta-commands.
 * Throws {@link PlainDumpRefusal} saying which psql is needed and how to point gds at it.
 *
 * ### Examples
 * ```ts
 * requirePsqlRestrict('15.18'); // returns
 * requirePsqlRestrict('15.4'); // throws PlainDumpRefusal: psql 15.4 has no \restrict ...
 * ```
 */
export function requirePsqlRestrict(version: string): void {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  const since = RESTRICT_SINCE[major];
  if (major >= 18 || (since !== undefined && minor >= since)) return;
  const need = since !== undefined ? `${major}.${since} or newer (or 18+)` : '13.22, 14.19, 15.14, 16.10, 17.6 or newer in its branch, or 18+';
  throw new PlainDumpRefusal(
    `psql ${version} has no \\restrict, so gds does not feed it a plain SQL dump (one gap in gds's scan would let the file run psql meta-commands); ` +
      `install psql ${need} and point gds at the folder holding it with the binDir option (restore(source, { binDir }), the connection's binDir, or on the CLI --opt bin-dir=<folder>), or restore from a custom, tar or directory dump (pg_restore runs no meta-commands)`,
  );
}

/**
 * The psql a plain restore needs: one with `\restrict` (the 2025-08 security releases), so that a
 * meta-command gds's scan missed is refused by psql itself. The one table of the psql releases
 * that have it is here ({@link psqlHasRestrict}).
 *
 * @module
 */
import { PlainDumpRefusal } from './postgres-plain-dump-statement.js';

/** The first psql release of each branch with `\restrict` (the 2025-08 security releases); every release from {@link RESTRICT_ALWAYS_SINCE} on has it. */
const RESTRICT_SINCE: Readonly<Record<number, number>> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6 };
/** The first major release in which every psql has `\restrict`. */
const RESTRICT_ALWAYS_SINCE = 18;

/** The major and minor number of a psql version (`15.18`, `18beta1`, `19devel`). */
function majorMinor(version: string): [major: number, minor: number] {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  return [major, minor];
}

/**
 * Whether this psql knows `\restrict` (the 2025 security releases: 13.22, 14.19, 15.14, 16.10,
 * 17.6, and 18): in restricted mode it refuses every meta-command but `\unrestrict KEY`.
 *
 * ### Examples
 * ```ts
 * psqlHasRestrict('15.18'); // true
 * psqlHasRestrict('15.4'); // false
 * ```
 */
export function psqlHasRestrict(version: string): boolean {
  const [major, minor] = majorMinor(version);
  const since = RESTRICT_SINCE[major];
  return major >= RESTRICT_ALWAYS_SINCE || (since !== undefined && minor >= since);
}

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
  if (psqlHasRestrict(version)) return;
  const [major] = majorMinor(version);
  const since = RESTRICT_SINCE[major];
  const firsts = Object.entries(RESTRICT_SINCE).map(([m, n]) => `${m}.${n}`);
  const need = since !== undefined ? `${major}.${since} or newer (or ${RESTRICT_ALWAYS_SINCE}+)` : `${firsts.join(', ')} or newer in its branch, or ${RESTRICT_ALWAYS_SINCE}+`;
  throw new PlainDumpRefusal(
    `psql ${version} has no \\restrict, so gds does not feed it a plain SQL dump (one gap in gds's scan would let the file run psql meta-commands); ` +
      `install psql ${need} and point gds at the folder holding it with the binDir option (restore(source, { binDir }), the connection's binDir, or on the CLI --opt bin-dir=<folder>), or restore from a custom, tar or directory dump (pg_restore runs no meta-commands)`,
  );
}

/**
 * The few pieces of Snowflake's SQL lexicon the simulator's account model reads: identifiers
 * (quoted `"a""b"` kept exact, unquoted folded to upper case, and quoted ones folded too when the
 * session's QUOTED_IDENTIFIERS_IGNORE_CASE is TRUE), string literals (`''` and backslash
 * escapes), and LIKE patterns (case-insensitive, `%` and `_`).
 *
 * @module
 */

/** A parsed identifier and the text after it. */
export interface IdentifierToken {
  name: string;
  rest: string;
}

/** Identifier pattern (quoted or unquoted) at the start of a text, as a source string for regexes. */
export const IDENT = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)`;

/**
 * Resolves one identifier the way Snowflake stores it.
 *
 * ### Examples
 * ```ts
 * resolveIdentifier('"sales"', false); // 'sales'
 * resolveIdentifier('"sales"', true);  // 'SALES' (QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE)
 * resolveIdentifier('sales', false);   // 'SALES'
 * ```
 */
export function resolveIdentifier(token: string, ignoreQuotedCase: boolean): string {
  if (token.startsWith('"')) {
    const exact = token.slice(1, -1).replaceAll('""', '"');
    return ignoreQuotedCase ? exact.toUpperCase() : exact;
  }
  return token.toUpperCase();
}

/**
 * Reads a single-quoted string literal's value (`''` and backslash escapes).
 *
 * ### Examples
 * ```ts
 * readString("'it''s'"); // "it's"
 * ```
 */
export function readString(literal: string): string {
  return literal
    .slice(1, -1)
    .replace(/\\(.)|''/g, (m, c: string | undefined) => (m === "''" ? "'" : c === 'n' ? '\n' : (c ?? '')));
}

/** Single-quoted literal pattern, as a source string for regexes. */
export const STRING = String.raw`'(?:[^'\\]|''|\\.)*'`;

/**
 * Whether `name` matches a LIKE pattern as SHOW ... LIKE does (case-insensitive, `%`, `_`).
 *
 * ### Examples
 * ```ts
 * likeMatches('sales', 'SAL%'); // true
 * ```
 */
export function likeMatches(name: string, pattern: string): boolean {
  const re = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('%', '.*').replaceAll('_', '.');
  return new RegExp(`^${re}$`, 'is').test(name);
}

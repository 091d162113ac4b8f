/**
 * The shape of `--url`, checked before the engine is loaded or anything connects: a scheme an
 * installed engine accepts, and (but for MongoDB's seed lists, `mongodb://h1,h2,h3/`) a URL that parses.
 *
 * @module
 */
import { discoverEngines, engineForUrl, schemeOf } from './engine-loader.js';
import { UsageError } from './usage-error.js';

/**
 * Throws a UsageError when `url` is not a URL gds can use.
 *
 * ### Examples
 * ```ts
 * checkUrlShape('postgres://u@h:x/db'); // UsageError: the URL does not parse ...
 * ```
 */
export function checkUrlShape(url: string): void {
  engineForUrl(url, discoverEngines(), '--url');
  const scheme = schemeOf(url) ?? '';
  if (scheme.startsWith('mongodb')) return; // seed lists are not WHATWG URLs; the driver parses them
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url does not parse as a URL (check the port and any special characters in the password: percent-encode them)`);
  }
}

/**
 * The database in a URL's path, else `postgres`.
 *
 * ### Examples
 * ```ts
 * urlDatabase('postgres://u@h/app'); // 'app'
 * ```
 */
export function urlDatabase(url: string | undefined): string {
  try {
    return decodeURIComponent(new URL(url ?? '').pathname.replace(/^\//, '')) || 'postgres';
  } catch {
    return 'postgres';
  }
}

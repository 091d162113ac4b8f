/**
 * `--opt key=value` pairs to an options object: numbers, booleans, `null` and JSON arrays or
 * objects are parsed, anything else stays a string. The engine's TypeBox schema then validates
 * the whole object, so a misspelt key is refused by name.
 *
 * @module
 */
import { UsageError } from '../usage-error.js';

const camel = (key: string) => key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Parses one value.
 *
 * ### Examples
 * ```ts
 * parseValue('7'); // 7
 * parseValue('["a","b"]'); // ['a', 'b']
 * parseValue('UTF8'); // 'UTF8'
 * ```
 */
export function parseValue(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (/^[[{]/.test(raw)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new UsageError(`--opt value ${raw} looks like JSON but does not parse`);
    }
  }
  return raw;
}

/**
 * Turns `['owner=app', 'connection-limit=5']` into `{ owner: 'app', connectionLimit: 5 }`.
 *
 * ### Examples
 * ```ts
 * parseOptionPairs(['template=template0']); // { template: 'template0' }
 * ```
 */
export function parseOptionPairs(pairs: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--opt takes key=value, got '${pair}'`);
    out[camel(pair.slice(0, at))] = parseValue(pair.slice(at + 1));
  }
  return out;
}

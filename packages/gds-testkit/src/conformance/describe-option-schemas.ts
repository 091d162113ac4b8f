/**
 * Holds a package's option schemas to what they promise. For every `*Schema` a package exports
 * this checks that
 * - `validateOptions` accepts exactly the values TypeBox's `Check` accepts, over a few hundred
 *   generated values per object schema (valid ones, and ones with wrong types, bounds, unknown
 *   keys and holes): it validates with `Check`, and this holds its translation of TypeBox's
 *   errors into issues (a refused value must name at least one issue, never pass silently), and
 * - with `{ numericBounds: true }`, no numeric option is unbounded: every integer or number has a `maximum`, at most
 *   {@link MAX_TIMER_MS} (2^31-1) for a millisecond option (its name ends in `Ms`, or it is a
 *   timeout) and at most 2^31-1 / 1000 for a seconds option, so that no value silently wraps in a
 *   Node timer (above 2^31-1 ms it fires after 1 ms) or overflows a server's 32-bit limit.
 *
 * @module
 */
import { describe, expect, it } from '@jest/globals';
import { MAX_TIMER_MS, ValidationError, validateOptions } from '@gds/database';
import { Check } from 'typebox/value';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A small deterministic generator (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WILD: readonly unknown[] = [undefined, null, 0, -1, 1.5, Number.NaN, '', 'x', true, false, [], {}, 2 ** 31, 'a'.repeat(300), '\u{1F600}'];

function sample(schema: unknown, rnd: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  if (!isRecord(schema) || rnd() < 0.15) return pick(WILD);
  if (Array.isArray(schema.enum)) return pick(schema.enum);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.anyOf)) return sample(pick(schema.anyOf), rnd, depth);
  const num = (k: string) => (typeof schema[k] === 'number' ? (schema[k] as number) : undefined);
  switch (schema.type) {
    case 'boolean':
      return rnd() < 0.5;
    case 'integer':
    case 'number': {
      const lo = num('minimum') ?? num('exclusiveMinimum') ?? 0;
      const hi = num('maximum') ?? num('exclusiveMaximum') ?? lo + 1000;
      return pick([lo, hi, lo - 1, hi + 1, Math.floor((lo + hi) / 2), lo + 0.5]);
    }
    case 'string': {
      const min = num('minLength') ?? 0;
      const max = num('maxLength') ?? min + 20;
      return pick(['', 'a'.repeat(min), 'b'.repeat(max), 'c'.repeat(max + 1), 'db_1', 'Robert"); DROP TABLE x;--', 'ünï', '2026-11-27T05:00:00Z', 'db1.example.com:27017']);
    }
    case 'array': {
      if (depth > 3) return [];
      return Array.from({ length: Math.floor(rnd() * 4) }, () => sample(schema.items, rnd, depth + 1));
    }
    case 'object': {
      if (depth > 3) return {};
      const out: Json = {};
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required : [];
      for (const [key, prop] of Object.entries(properties)) if (rnd() < (required.includes(key) ? 0.95 : 0.6)) out[key] = sample(prop, rnd, depth + 1);
      if (rnd() < 0.1) out.notAnOption = 1;
      return out;
    }
    default:
      return pick(WILD);
  }
}

/**
 * The numeric options of `schema` that are unbounded, or bounded above what a timer (for a
 * millisecond or seconds option) can honour: `'/path: why'` for each.
 *
 * ### Examples
 * ```ts
 * unboundedNumbers(Type.Object({ waitMs: Type.Integer({ minimum: 1 }) })); // ['/waitMs: no maximum']
 * ```
 */
export function unboundedNumbers(schema: unknown, path = ''): string[] {
  if (!isRecord(schema)) return [];
  const out: string[] = [];
  if (schema.type === 'integer' || schema.type === 'number') {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const max = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : undefined;
    const limit = /(Ms|Millis|Milliseconds|^timeout)$/i.test(name) ? MAX_TIMER_MS : /(Secs|Seconds)$/.test(name) ? Math.floor(MAX_TIMER_MS / 1000) : undefined;
    if (max === undefined) out.push(`${path || '/'}: no maximum${limit === undefined ? '' : ` (at most ${limit})`}`);
    else if (limit !== undefined && max > limit) out.push(`${path}: maximum ${max} is above ${limit}, what a timer honours`);
  }
  if (isRecord(schema.properties)) for (const [key, prop] of Object.entries(schema.properties)) out.push(...unboundedNumbers(prop, `${path}/${key}`));
  if (schema.items !== undefined) out.push(...unboundedNumbers(schema.items, `${path}/items`));
  if (Array.isArray(schema.anyOf)) schema.anyOf.forEach((branch) => out.push(...unboundedNumbers(branch, path)));
  if (isRecord(schema.patternProperties)) for (const value of Object.values(schema.patternProperties)) out.push(...unboundedNumbers(value, `${path}/*`));
  return [...new Set(out)];
}

/** Whether `validateOptions` accepts `value` for `schema`. */
function accepts(schema: Parameters<typeof validateOptions>[0], value: Json): boolean {
  try {
    validateOptions(schema, value, 'check');
    return true;
  } catch (error) {
    if (ValidationError.isInstance(error)) return false;
    throw error;
  }
}

/**
 * Declares, for each object schema `module` exports (as `...Schema`), a test comparing `validateOptions` with TypeBox's
 * `Check` on generated values; with `checks.numericBounds`, also one per option schema (not the
 * metadata ones) finding numeric options without a maximum a timer or a server limit honours
 * (see {@link unboundedNumbers}).
 *
 * ### Examples
 * ```ts
 * import * as postgres from '../src/index.js';
 * describeOptionSchemas('@gds/postgres', postgres, 300, { numericBounds: true });
 * ```
 */
export function describeOptionSchemas(name: string, module: Record<string, unknown>, samplesPerSchema = 300, checks: { numericBounds?: boolean } = {}): void {
  const schemas = Object.entries(module).filter(([key, value]) => key.endsWith('Schema') && isRecord(value) && '~kind' in value);
  const objects = schemas.filter(([, value]) => (value as Json).type === 'object');
  describe(`${name}: option schemas`, () => {
    it('exports option schemas', () => {
      expect(objects.length).toBeGreaterThan(0);
    });
    it.each(objects)('%s: validateOptions accepts what TypeBox accepts', (_key, schema) => {
      const rnd = random(0x9d5);
      const disagreements: unknown[] = [];
      let accepted = 0;
      for (let i = 0; i < samplesPerSchema; i++) {
        const value = sample(schema, rnd, 0);
        if (!isRecord(value)) continue;
        // validateOptions treats a key set to undefined as absent (as TypeScript callers mean it)
        const defined = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
        const typebox = Check(schema as Parameters<typeof Check>[0], defined);
        const ours = accepts(schema as Parameters<typeof validateOptions>[0], value);
        if (ours) accepted++;
        if (typebox !== ours) disagreements.push({ value, typebox, ours });
      }
      expect(disagreements).toEqual([]);
      expect(accepted).toBeGreaterThan(0); // the generator reaches valid values too
    });
    const options = objects.filter(([key]) => !/Metadata|Info|Listing|Result/.test(key));
    if (checks.numericBounds && options.length > 0) {
      it.each(options)('%s: every numeric option has a maximum a timer or a server limit can honour', (_key, schema) => {
        expect(unboundedNumbers(schema)).toEqual([]);
      });
    }
  });
}

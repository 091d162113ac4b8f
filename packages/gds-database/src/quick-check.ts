/**
 * A fast, conservative pre-check of values against the JSON Schema subset gds's option schemas
 * use, so that valid input is accepted without loading TypeBox's validator (about 150 KB of code,
 * ~5 ms of every process start: a third of the `gds` command's start-up overhead).
 *
 * It answers `true` only when TypeBox's `Check` would answer `true` too; any doubt (a keyword it
 * does not know, a `$ref`, a `format`, a refinement, an `undefined` value) answers `false`, and
 * the caller asks TypeBox, which also writes the error messages. A test holds this against
 * TypeBox on every option schema of every engine package.
 *
 * @module
 */

/** Keywords that carry no constraint (annotations, and TypeBox's own non-enumerable markers). */
const IGNORED = new Set(['title', 'description', 'default', 'examples', '$comment', '$schema', '$id', 'readOnly', 'writeOnly', 'deprecated', '~kind', '~optional', '~readonly']);

/** Keywords checked here; any other keyword in a schema makes the answer `false`. */
const KNOWN = new Set(['type', 'properties', 'required', 'additionalProperties', 'patternProperties', 'enum', 'const', 'anyOf', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern']);

type Schema = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function');
const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};
const regexps = new Map<string, RegExp>();
const regexp = (pattern: string): RegExp => {
  let r = regexps.get(pattern);
  if (!r) regexps.set(pattern, (r = new RegExp(pattern, 'u')));
  return r;
};

/**
 * Whether `value` certainly matches `schema`. `false` means "not certain": ask TypeBox.
 *
 * ### Examples
 * ```ts
 * quickCheck(ReadOptionsSchema, { timeoutMs: 5 }); // true
 * quickCheck(ReadOptionsSchema, { timeoutMs: 0 }); // false (TypeBox then says why)
 * ```
 */
export function quickCheck(schema: unknown, value: unknown): boolean {
  if (!isRecord(schema)) return false;
  for (const key of Object.getOwnPropertyNames(schema)) {
    if (!IGNORED.has(key) && !KNOWN.has(key)) return false;
  }
  return checkKeywords(schema, value);
}

function checkKeywords(s: Schema, v: unknown): boolean {
  if (typeof v === 'bigint') return false; // TypeBox applies numeric keywords to bigints: ask it
  if ('type' in s && !checkType(s.type, v)) return false;
  if ('const' in s && !(isPrimitive(s.const) && v === s.const)) return false;
  if ('enum' in s && !(Array.isArray(s.enum) && s.enum.some((e) => isPrimitive(e) && e === v))) return false;
  if ('anyOf' in s && !(Array.isArray(s.anyOf) && s.anyOf.some((branch) => quickCheck(branch, v)))) return false;
  if (typeof v === 'number' && !checkNumber(s, v)) return false;
  if (typeof v === 'string' && !checkString(s, v)) return false;
  if (Array.isArray(v) && !checkArray(s, v)) return false;
  if (isRecord(v) && !checkObject(s, v)) return false;
  return true;
}

function checkType(type: unknown, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isRecord(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return Number.isFinite(v);
    case 'null':
      return v === null;
    default:
      return false; // a list of types, or an extension type: ask TypeBox
  }
}

const isNumber = (x: unknown): x is number => typeof x === 'number';

function checkNumber(s: Schema, v: number): boolean {
  for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const) {
    if (k in s && !isNumber(s[k])) return false;
  }
  if (isNumber(s.minimum) && !(v >= s.minimum)) return false;
  if (isNumber(s.maximum) && !(v <= s.maximum)) return false;
  if (isNumber(s.exclusiveMinimum) && !(v > s.exclusiveMinimum)) return false;
  if (isNumber(s.exclusiveMaximum) && !(v < s.exclusiveMaximum)) return false;
  return true;
}

function checkString(s: Schema, v: string): boolean {
  if ('minLength' in s && !(isNumber(s.minLength) && codePoints(v) >= s.minLength)) return false;
  if ('maxLength' in s && !(isNumber(s.maxLength) && codePoints(v) <= s.maxLength)) return false;
  if ('pattern' in s && !(typeof s.pattern === 'string' && regexp(s.pattern).test(v))) return false;
  return true;
}

function checkArray(s: Schema, v: unknown[]): boolean {
  if ('minItems' in s && !(isNumber(s.minItems) && v.length >= s.minItems)) return false;
  if ('maxItems' in s && !(isNumber(s.maxItems) && v.length <= s.maxItems)) return false;
  if ('items' in s && !(isRecord(s.items) && v.every((item) => quickCheck(s.items, item)))) return false;
  return true;
}

function checkObject(s: Schema, v: Record<string, unknown>): boolean {
  const properties = s.properties;
  if (properties !== undefined && !isRecord(properties)) return false;
  if ('required' in s) {
    if (!Array.isArray(s.required)) return false;
    for (const key of s.required) if (typeof key !== 'string' || !Object.hasOwn(v, key)) return false;
  }
  const patterns = s.patternProperties;
  if (patterns !== undefined && !isRecord(patterns)) return false;
  for (const key of Object.getOwnPropertyNames(v)) {
    // own keys only, each checked against its schema; an own key set to `undefined` is left
    // to TypeBox (whether it counts as absent depends on its exactOptionalPropertyTypes setting)
    const item = v[key];
    if (item === undefined) return false;
    let matched = false;
    if (properties && Object.hasOwn(properties, key)) {
      if (!quickCheck(properties[key], item)) return false;
      matched = true;
    }
    if (patterns) {
      for (const pattern of Object.keys(patterns)) {
        if (!regexp(pattern).test(key)) continue;
        if (!quickCheck(patterns[pattern], item)) return false;
        matched = true;
      }
    }
    if (!matched && 'additionalProperties' in s) {
      const extra = s.additionalProperties;
      if (extra === false || !(extra === true || quickCheck(extra, item))) return false;
    }
  }
  // properties the value inherits rather than owns are TypeBox's to judge
  if (properties) for (const key of Object.keys(properties)) if (!Object.hasOwn(v, key) && key in v) return false;
  return true;
}

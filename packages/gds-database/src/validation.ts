/**
 * Validation of options and names on entry, before anything is sent to a server.
 *
 * @module
 */
import type { TSchema, Static } from 'typebox';
import { Check, Errors } from 'typebox/value';
import { ValidationError, type ValidationIssue } from './errors.js';
import { RUNTIME_OPTION_KEYS } from './options.js';

/**
 * Checks `value` against `schema` and returns it typed, or throws a {@link ValidationError}
 * listing every bad field. Run-time-only keys (`signal`, `onProgress`, `onMessage`) are not
 * checked against the schema but must have the right type.
 *
 * ### Examples
 * ```ts
 * const options = validateOptions(DropOptionsSchema, { force: 'yes' }, 'drop');
 * // throws ValidationError: Invalid options for drop: /force: must be boolean
 * ```
 */
export function validateOptions<S extends TSchema>(schema: S, value: unknown, operation: string, engine?: string): Static<S> {
  const input = value ?? {};
  const issues: ValidationIssue[] = [];
  let data: unknown = input;
  if (typeof input === 'object' && !Array.isArray(input)) {
    const rest: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    for (const key of RUNTIME_OPTION_KEYS) {
      const v = rest[key];
      delete rest[key];
      if (v === undefined) continue;
      if (key === 'signal' && !isAbortSignal(v)) issues.push({ path: '/signal', message: 'must be an AbortSignal' });
      if (key !== 'signal' && typeof v !== 'function') issues.push({ path: `/${key}`, message: 'must be a function' });
    }
    for (const [k, v] of Object.entries(rest)) if (v === undefined) delete rest[k];
    data = rest;
  }
  if (issues.length === 0 && checkValue(schema, data)) return input as Static<S>;
  for (const e of Errors(schema, data)) {
    if (e.keyword === 'boolean' && e.message === 'schema is false') {
      issues.push({ path: e.instancePath, message: 'is not a known option' });
      continue;
    }
    if (e.keyword === 'additionalProperties') continue;
    issues.push({ path: e.instancePath, message: e.message });
  }
  if (issues.length > 0) throw new ValidationError(`Invalid options for ${operation}`, dedupe(issues), { operation, engine });
  return input as Static<S>;
}

/**
 * Whether `value` matches `schema` (TypeBox's `Check`).
 *
 * ### Examples
 * ```ts
 * checkValue(SyncModeSchema, 'synchronous'); // true
 * ```
 */
export function checkValue(schema: TSchema, value: unknown): boolean {
  return Check(schema, value);
}

function isAbortSignal(v: unknown): v is AbortSignal {
  return typeof v === 'object' && v !== null && typeof (v as AbortSignal).aborted === 'boolean' && typeof (v as AbortSignal).addEventListener === 'function';
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Refuses an empty database name or one with a NUL character (every engine refuses these);
 * engines add their own rules (length limits, forbidden characters).
 *
 * ### Examples
 * ```ts
 * validateDatabaseName(''); // throws ValidationError: Invalid database name: (value): must not be empty
 * ```
 */
export function validateDatabaseName(name: unknown, engine?: string): string {
  const issues: ValidationIssue[] = [];
  if (typeof name !== 'string') issues.push({ path: '', message: 'must be a string' });
  else {
    if (name.length === 0) issues.push({ path: '', message: 'must not be empty' });
    if (name.includes('\u0000')) issues.push({ path: '', message: 'must not contain a NUL character' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid database name', issues, { engine });
  return name as string;
}

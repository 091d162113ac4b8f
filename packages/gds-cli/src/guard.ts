/**
 * One switch for every spelling of a guarded option: `--replace` and `--opt replace=true`,
 * `--dry-run` and `--opt dry-run=true` (or `dryRun=true`) must do the same thing. A command's
 * `--opt` pairs pass through {@link splitGuarded}: the dry-run key is taken out (it joins the
 * global `--dry-run`), and the destructive keys that are set are named, so that the command asks
 * for the same confirmation whichever way they were given.
 *
 * @module
 */
import { UsageError } from './usage-error.js';

/**
 * Engine options that destroy, replace or end something, and what each does (for the prompt).
 * A key set to anything but `false` is guarded.
 */
export const GUARDED_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  replace: 'replace the existing database',
  clean: 'drop each object before recreating it',
  overwrite: 'replace what is at the target',
  drop: 'drop each restored collection first',
  force: 'end other sessions',
});

/** Which of these options are irreversible (the prompt asks to type a name). */
const IRREVERSIBLE = new Set(['replace', 'clean', 'overwrite', 'drop']);

/** What {@link splitGuarded} found in a command's options. */
export interface GuardedOptions {
  /** The options without the dry-run key. */
  options: Record<string, unknown>;
  /** Whether `--opt dry-run=true` (or `dryRun=true`) was given. */
  dryRun: boolean;
  /** The guarded keys that are set, e.g. `['replace']`. */
  guarded: string[];
  /** Whether any of them is irreversible. */
  irreversible: boolean;
}

/**
 * Takes the dry-run key out of `options` and names the guarded keys that are set.
 *
 * ### Examples
 * ```ts
 * splitGuarded({ replace: true, dryRun: true, jobs: 4 });
 * // { options: { replace: true, jobs: 4 }, dryRun: true, guarded: ['replace'], irreversible: true }
 * ```
 */
export function splitGuarded(options: Record<string, unknown>): GuardedOptions {
  const { dryRun, ...rest } = options;
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new UsageError(`--opt dry-run takes true or false, got '${String(dryRun)}'`);
  const guarded = Object.keys(GUARDED_OPTIONS).filter((key) => rest[key] !== undefined && rest[key] !== false);
  return { options: rest, dryRun: dryRun === true, guarded, irreversible: guarded.some((k) => IRREVERSIBLE.has(k)) };
}

/**
 * Words for the prompt: what the guarded keys will do.
 *
 * ### Examples
 * ```ts
 * describeGuarded(['clean', 'force']); // 'drop each object before recreating it, end other sessions'
 * ```
 */
export function describeGuarded(keys: readonly string[]): string {
  return keys.map((k) => GUARDED_OPTIONS[k] ?? k).join(', ');
}

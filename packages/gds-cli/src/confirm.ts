/**
 * Confirmation of destructive commands: on a terminal, ask (default no); with `--yes`, go on;
 * without a terminal and without `--yes`, refuse. A dry run never asks. Irreversible changes
 * (drop, replace, overwrite) ask to type the database's name and say what will be lost;
 * reversible ones (offline, single-user) ask for yes and do not claim they cannot be undone.
 *
 * @module
 */
import { UsageError } from './usage-error.js';

/** Where the question is asked. */
export interface ConfirmIO {
  /** Whether stdin and stderr are terminals. */
  interactive: boolean;
  /** Asks one question and returns the answer; rejects when `signal` aborts (a signal arrived) or Ctrl-C is typed. */
  ask(question: string, signal?: AbortSignal): Promise<string>;
}

/**
 * The process's terminal, for {@link confirmDestructive}.
 *
 * ### Examples
 * ```ts
 * await confirmDestructive('drop database "app"', { yes: false, dryRun: false }, terminalIO());
 * ```
 */
export function terminalIO(): ConfirmIO {
  return {
    // a getter: touching process.stdin sets up its stream (~1.4 ms), which only a question needs
    get interactive() {
      return Boolean(process.stdin.isTTY && process.stderr.isTTY);
    },
    async ask(question, signal) {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      // on a terminal readline reads Ctrl-C itself (raw mode): it ends the question as "no"
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      rl.on('SIGINT', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await rl.question(question, { signal: stop.signal });
      } catch (error) {
        if (stop.signal.aborted) {
          process.stderr.write('\n');
          throw new UsageError('not confirmed: interrupted at the question');
        }
        throw error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        rl.close();
      }
    },
  };
}

/**
 * How a change is confirmed: a reversible one (offline, single-user...) asks for `yes`; an
 * irreversible one (drop, restore over a database, overwrite) asks the user to type `typeToConfirm`
 * (the database's name) and says what will be lost.
 */
export interface ConfirmSpec {
  /** For irreversible changes: what the user must type exactly (the database's name, say). */
  typeToConfirm?: string;
  /** What is at stake, e.g. `['12.3 MiB of data', '2 open sessions']`. */
  losing?: readonly string[];
}

/**
 * The question asked for `action` (exported for tests and docs).
 *
 * ### Examples
 * ```ts
 * confirmQuestion('drop database "app"', { typeToConfirm: 'app', losing: ['8 MB of data'] });
 * // 'drop database "app"? At stake: 8 MB of data. This cannot be undone. Type the name app to go on: '
 * ```
 */
export function confirmQuestion(action: string, spec: ConfirmSpec = {}): string {
  const losing = spec.losing?.length ? ` At stake: ${spec.losing.join(', ')}.` : '';
  if (spec.typeToConfirm !== undefined) return `${action}?${losing} This cannot be undone. Type the name ${spec.typeToConfirm} to go on: `;
  return `${action}?${losing} Type yes to go on: `;
}

/**
 * Resolves when the destructive `action` may go ahead; throws a UsageError when it may not.
 * Irreversible changes (`spec.typeToConfirm`) go on only when exactly that name is typed;
 * reversible ones when `yes` (or `y`) is.
 *
 * ### Examples
 * ```ts
 * await confirmDestructive('take "app" offline', { yes: true, dryRun: false }, terminalIO()); // goes on
 * await confirmDestructive('drop database "app"', {}, terminalIO(), { typeToConfirm: 'app' }); // asks to type app
 * ```
 */
export async function confirmDestructive(
  action: string,
  flags: { yes?: boolean; dryRun?: boolean },
  io: ConfirmIO,
  spec: ConfirmSpec = {},
  signal?: AbortSignal,
): Promise<void> {
  if (flags.dryRun || flags.yes) return;
  if (!io.interactive) throw new UsageError(`refusing to ${action} without confirmation: not on a terminal; pass --yes (or --dry-run to see what would run)`);
  const raw = await io.ask(confirmQuestion(action, spec), signal);
  if (spec.typeToConfirm !== undefined) {
    if (raw.replace(/\r?\n$/, '') !== spec.typeToConfirm) throw new UsageError(`not confirmed (the name typed was not ${spec.typeToConfirm}): did not ${action}`);
    return;
  }
  const answer = raw.trim().toLowerCase();
  if (answer !== 'yes' && answer !== 'y') throw new UsageError(`not confirmed: did not ${action}`);
}

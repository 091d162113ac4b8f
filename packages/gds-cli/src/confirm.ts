/**
 * Confirmation of destructive commands: on a terminal, ask (default no); with `--yes`, go on;
 * without a terminal and without `--yes`, refuse. A dry run never asks.
 *
 * @module
 */
import { UsageError } from './usage-error.js';

/** Where the question is asked. */
export interface ConfirmIO {
  /** Whether stdin and stderr are terminals. */
  interactive: boolean;
  /** Asks one question and returns the answer. */
  ask(question: string): Promise<string>;
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
    async ask(question) {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/**
 * Resolves when the destructive `action` may go ahead; throws a UsageError when it may not.
 *
 * ### Examples
 * ```ts
 * await confirmDestructive('take "app" offline', { yes: true, dryRun: false }, terminalIO()); // goes on
 * ```
 */
export async function confirmDestructive(action: string, flags: { yes?: boolean; dryRun?: boolean }, io: ConfirmIO): Promise<void> {
  if (flags.dryRun || flags.yes) return;
  if (!io.interactive) throw new UsageError(`refusing to ${action} without confirmation: not on a terminal; pass --yes (or --dry-run to see what would run)`);
  const answer = (await io.ask(`${action}? This cannot be undone by gds. Type yes to go on: `)).trim().toLowerCase();
  if (answer !== 'yes' && answer !== 'y') throw new UsageError(`not confirmed: did not ${action}`);
}

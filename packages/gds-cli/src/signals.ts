/**
 * Terminating signals handled like Ctrl-C: SIGINT, SIGTERM (kill, `timeout`, systemd), SIGHUP
 * (an ssh session or terminal gone), SIGQUIT and the other signals whose default action ends the
 * process. The first one cancels the running operation (its engine kills its child processes and
 * removes partial files); a second one exits at once. The exit code is 128 + the signal's number,
 * as a shell reports it (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as Os from 'node:os';

// node:os is loaded only when a signal arrives: every `gds` start would pay for it otherwise
const signalNumbers = (): Record<string, number | undefined> => (createRequire(import.meta.url)('node:os') as typeof Os).constants.signals;

/**
 * The signals handled (SIGKILL and SIGSTOP cannot be; SIGUSR1 is Node's debugger signal and
 * SIGPIPE is ignored by Node).
 */
export const TERMINATING_SIGNALS: readonly NodeJS.Signals[] = Object.freeze([
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR2',
  'SIGALRM',
  'SIGVTALRM',
  'SIGXCPU',
  'SIGXFSZ',
] as NodeJS.Signals[]);

/**
 * 128 + the signal's number: the exit code a shell shows for a process ended by it.
 *
 * ### Examples
 * ```ts
 * signalExitCode('SIGTERM'); // 143
 * ```
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (signalNumbers()[signal] ?? 2);
}

/**
 * Calls `onFirst(signal)` on the first terminating signal and exits with 128+n on a second one;
 * returns the function that removes the handlers.
 *
 * ### Examples
 * ```ts
 * const stop = onTerminatingSignals((signal) => abort.abort(signal));
 * try { await work(); } finally { stop(); }
 * ```
 */
let signalled = false;

/**
 * Whether a terminating signal arrived in this process: then a closed stdout or stderr (the ssh
 * session or terminal is gone) must not end the process before the cancellation has cleaned up.
 *
 * ### Examples
 * ```ts
 * stream.on('error', (e) => { if (!signalReceived()) process.exit(0); });
 * ```
 */
export function signalReceived(): boolean {
  return signalled;
}

export function onTerminatingSignals(onFirst: (signal: NodeJS.Signals) => void, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) return exit(signalExitCode(signal));
    received = true;
    signalled = true;
    onFirst(signal);
  };
  const listening: NodeJS.Signals[] = [];
  for (const signal of TERMINATING_SIGNALS) {
    try {
      process.on(signal, handler);
      listening.push(signal);
    } catch {
      // a signal this platform cannot watch (Windows has few): it ends the process as before
    }
  }
  return () => {
    for (const signal of listening) process.off(signal, handler);
  };
}

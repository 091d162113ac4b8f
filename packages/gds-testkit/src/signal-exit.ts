// Turns SIGTERM, SIGINT and SIGHUP into a normal exit, so that the exit handlers remove the servers.
import { hostProcess } from './host-process.js';

const INSTALLED = Symbol.for('@gds/testkit/signal-exit');
const SIGNALS: Readonly<Record<'SIGTERM' | 'SIGINT' | 'SIGHUP', number>> = { SIGTERM: 15, SIGINT: 2, SIGHUP: 1 };

/**
 * Makes the process exit with 128 + the signal's number on SIGTERM/SIGINT/SIGHUP, which runs the 'exit'
 * handlers that kill leftover servers (PostgreSQL and MariaDB alike) and delete their folders: a signal's
 * default action ends node without running them. A signal that someone else also listens to (the `gds`
 * CLI, a test runner) is left to them; they are expected to exit, which runs the same handlers. Installed
 * once per process, on the real `process` (see {@link hostProcess}). Jest, for one, sends SIGTERM to a
 * worker that does not exit in time; the exit cleanup is synchronous, so nothing cuts it short.
 *
 * ### Examples
 * ```ts
 * exitOnSignals(); // then `kill -TERM <pid>` exits with status 143 after the 'exit' handlers ran
 * ```
 */
export function exitOnSignals(): void {
  const host = hostProcess() as NodeJS.Process & { [INSTALLED]?: true };
  if (host[INSTALLED]) return;
  host[INSTALLED] = true;
  for (const [name, number] of Object.entries(SIGNALS)) {
    host.on(name, () => {
      if (host.listenerCount(name) > 1) return;
      host.exit(128 + number);
    });
  }
}

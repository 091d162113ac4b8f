// Turns SIGTERM, SIGINT and SIGHUP into a normal exit, so that the exit handler removes the servers.
import vm from 'node:vm';

/**
 * The real `process` (jest gives each test file a copy whose listeners never fire; see exit-cleanup).
 */
function hostProcess(): NodeJS.Process {
  try {
    const candidate = vm.runInThisContext('process') as NodeJS.Process | undefined;
    if (typeof candidate?.on === 'function') return candidate;
  } catch {
    // not available: use ours
  }
  return process;
}

const INSTALLED = Symbol.for('@gds/testkit/mariadb/signal-exit');
const SIGNALS: Readonly<Record<'SIGTERM' | 'SIGINT' | 'SIGHUP', number>> = { SIGTERM: 15, SIGINT: 2, SIGHUP: 1 };

/**
 * Makes the process exit with 128 + the signal's number on SIGTERM/SIGINT/SIGHUP, which runs the 'exit'
 * handler that kills leftover servers and deletes their folders (a signal's default action skips it). A
 * signal that someone else also listens to is left to them. Jest, for one, sends SIGTERM to a worker that
 * does not exit in time; the listener runs only after the synchronous exit cleanup, so it cannot cut it short.
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

// The real `process` object, which jest hides from the test files it runs.
import vm from 'node:vm';

/**
 * The real `process`. Jest runs each test file in a vm context whose `process` is a copy without the real
 * event listeners, so an 'exit' or signal listener added to it never fires; the main context's `process`
 * is the real one. Outside jest this is `process` itself.
 *
 * ### Examples
 * ```ts
 * hostProcess().on('exit', () => cleanUp()); // runs at exit even when called from a jest test file
 * ```
 */
export function hostProcess(): NodeJS.Process {
  try {
    const candidate = vm.runInThisContext('process') as NodeJS.Process | undefined;
    if (typeof candidate?.on === 'function') return candidate;
  } catch {
    // not available: use ours
  }
  return process;
}

/**
 * Counting the process's open sockets, pipes and child processes, to prove that closing a
 * manager releases everything it opened.
 *
 * @module
 */

const COUNTED = new Set(['TCPSocketWrap', 'TCPWrap', 'TLSWrap', 'PipeWrap', 'ProcessWrap', 'UDPWrap']);

/**
 * How many sockets, pipes and child processes are open in this process right now (timers and
 * other resources are not counted).
 *
 * ### Examples
 * ```ts
 * const before = countOpenHandles();
 * await manager.close();
 * expect(countOpenHandles()).toBeLessThanOrEqual(before);
 * ```
 */
export function countOpenHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => COUNTED.has(r)).length;
}

/**
 * Resolves when `check()` holds, or after `timeoutMs` whatever it says (the caller asserts).
 *
 * ### Examples
 * ```ts
 * await waitFor(() => countOpenHandles() === 0, 2000);
 * ```
 */
export async function waitFor(check: () => boolean, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, intervalMs));
}

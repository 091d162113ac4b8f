/**
 * `describeWithServer`: a jest `describe` that runs against a real server when one can be had
 * (see `resolveTestServer`) and otherwise prints one line saying why it skipped.
 *
 * @module
 */
import { afterAll, beforeAll, describe } from '@jest/globals';
import { resolveTestServer, testServerSkipReason, type ResolvedTestServer, type TestEngine } from '../resolve-test-server.js';

type RunningServer = Exclude<ResolvedTestServer, { kind: 'skip' }>;

/**
 * Prints a skip reason as one line on stderr (jest shows it without a stack trace).
 *
 * ### Examples
 * ```ts
 * printSkip('mssql real-server suite skipped: no GDS_TEST_MSSQL_URL; no Docker engine');
 * ```
 */
export function printSkip(reason: string): void {
  process.stderr.write(`SKIP ${reason}\n`);
}

/**
 * Declares `body` as a describe block with a real server for `engine`: `server()` gives it inside
 * tests. Without a server the block is skipped and one line says why.
 *
 * ### Examples
 * ```ts
 * describeWithServer('mssql', 'SQL Server real server', (server) => {
 *   it('connects', async () => { await using m = await DatabaseManager.connect(server().url); });
 * });
 * ```
 */
export function describeWithServer(engine: TestEngine, title: string, body: (server: () => RunningServer) => void): void {
  const reason = testServerSkipReason(engine);
  if (reason) {
    printSkip(reason);
    describe.skip(`${title} (${reason})`, () => body(() => {
      throw new Error(reason);
    }));
    return;
  }
  describe(title, () => {
    let running: RunningServer | undefined;
    beforeAll(async () => {
      const resolved = await resolveTestServer(engine);
      if (resolved.kind === 'skip') throw new Error(`expected a ${engine} server but: ${resolved.reason}`);
      running = resolved;
    }, 240_000);
    afterAll(async () => {
      await running?.stop();
    }, 60_000);
    body(() => {
      if (!running) throw new Error(`${engine} server not started`);
      return running;
    });
  });
}

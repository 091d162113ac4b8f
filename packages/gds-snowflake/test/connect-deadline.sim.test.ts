// The real snowflake-sdk against addresses that refuse or never answer (loopback, not a real
// account): connectTimeoutMs bounds the whole login. Before the fix the driver's own login retries
// (sfRetryMaxLoginRetries = 7, exponential backoff, retryTimeout >= 300 s) made a refused address
// take about 165 s.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ConnectionError, DatabaseManager } from '@gds/database';
import { refusedPort, startSilentServer, type SilentServer } from '@gds/testkit/snowflake';
import '../src/index.js';
import { evidence } from './evidence.js';
import { loadDriverFirst } from './load-driver.js';

loadDriverFirst();
jest.setTimeout(30_000); // real snowflake-sdk logins and statements over HTTP: room for a loaded CI machine (jest's default is 5 s)

let silent: SilentServer | undefined;
afterEach(async () => {
  await silent?.close();
  silent = undefined;
});

const url = (port: number, timeoutMs: number) =>
  `snowflake://gds:pw-Secret-1@SIMACCOUNT?host=127.0.0.1&port=${port}&protocol=http&connectTimeoutMs=${timeoutMs}`;

async function timedConnect(target: string): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await DatabaseManager.connect(target).then(
    async (m) => {
      await m.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describe('connectTimeoutMs bounds the whole login (real snowflake-sdk, loopback addresses)', () => {
  it('the evidence names the driver settings this relies on', () => {
    const keys = evidence.map((e) => e.subject);
    expect(keys).toEqual(expect.arrayContaining(['snowflake-sdk sfRetryMaxLoginRetries', 'snowflake-sdk retryTimeout', 'snowflake-sdk timeout']));
  });

  it('a refused port fails at once with ConnectionError and the connection hint, and tried once', async () => {
    const port = await refusedPort();
    const { error, ms } = await timedConnect(url(port, 3_000));
    console.log(`refused port: failed after ${ms} ms (connectTimeoutMs 3000)`);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).hint).toMatch(/network path/);
    expect(ms).toBeLessThan(3_000 + 2_000);
    expect(JSON.stringify((error as ConnectionError).toJSON())).not.toContain('pw-Secret-1');
  }, 30_000);

  it('a port that accepts and never answers fails at about connectTimeoutMs', async () => {
    silent = await startSilentServer();
    const { error, ms } = await timedConnect(url(silent.port, 3_000));
    console.log(`silent server: failed after ${ms} ms (connectTimeoutMs 3000), ${silent.accepted()} connection(s) accepted`);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).hint).toMatch(/connectTimeoutMs|network path/);
    expect(ms).toBeGreaterThanOrEqual(2_900);
    expect(ms).toBeLessThan(3_000 + 2_000);
    expect(silent.accepted()).toBe(1); // no login retries
  }, 30_000);
});

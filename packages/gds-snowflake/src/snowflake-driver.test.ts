// Unit tests: importing @gds/snowflake registers the provider without loading snowflake-sdk; the
// driver is loaded (once) when a connection opens.
import { describe, expect, it, jest } from '@jest/globals';

describe('lazy driver loading', () => {
  it('does not load snowflake-sdk on import, loads it on the first connection, configures its log level', async () => {
    const state = { loads: 0, configured: [] as unknown[], created: [] as Record<string, unknown>[] };
    await jest.isolateModulesAsync(async () => {
      jest.doMock('snowflake-sdk', () => {
        state.loads++;
        return {
          configure: (o: unknown) => state.configured.push(o),
          createConnection: (o: Record<string, unknown>) => {
            state.created.push(o);
            return { connect: (cb: (e: Error) => void) => cb(Object.assign(new Error('refused'), { code: '390100' })), isUp: () => false, destroy: (cb: () => void) => cb() };
          },
        };
      });
      const { getProvider } = await import('@gds/database');
      await import('./index.js');
      expect(getProvider('snowflake').packageName).toBe('@gds/snowflake');
      expect(state.loads).toBe(0);
      const { SnowflakeConnection } = await import('./snowflake-connection.js');
      const conn = new SnowflakeConnection({ account: 'acme', username: 'u', password: 'pw-123456', warehouse: 'WH' });
      expect(state.loads).toBe(0);
      await expect(conn.open()).rejects.toThrow('refused');
      await expect(conn.open()).rejects.toThrow('refused');
      expect(state.loads).toBe(1);
      expect(state.configured).toEqual([{ logLevel: 'OFF' }]);
      expect(state.created[0]).toMatchObject({ account: 'acme', username: 'u', authenticator: 'SNOWFLAKE', password: 'pw-123456', warehouse: 'WH', application: 'gds', timeout: 60_000, sfRetryMaxLoginRetries: 0 });
      await conn.close();
    });
  });
});

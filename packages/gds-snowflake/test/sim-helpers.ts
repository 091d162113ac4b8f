// Shared helpers of the simulator tests: a simulator with a user, and URLs pointing the real
// snowflake-sdk at it over plain HTTP.
import { startSnowflakeSimulator, type SnowflakeSimulator, type SnowflakeSimulatorOptions } from '@gds/testkit/snowflake';

/** The simulator's default user and password. */
export const USER = 'gds';
export const PASSWORD = 'gds-sim-Pw1';

/** Starts a simulator (account SIMACCOUNT, user gds). */
export function startSim(options: SnowflakeSimulatorOptions = {}): Promise<SnowflakeSimulator> {
  return startSnowflakeSimulator({ users: { [USER]: { password: PASSWORD } }, ...options });
}

/** A gds URL for the simulator; `params` are added to the query. */
export function simUrl(sim: SnowflakeSimulator, params: Record<string, string> = {}, password = PASSWORD, account = sim.account): string {
  const q = new URLSearchParams({ host: '127.0.0.1', port: String(sim.port), protocol: 'http', ...params });
  return `snowflake://${USER}:${encodeURIComponent(password)}@${account}?${q.toString()}`;
}

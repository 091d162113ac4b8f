/**
 * fakesnow 0.12.1 (Snowflake's login/query/session endpoints over DuckDB, NOT Snowflake) as a
 * test peer: {@link startFakesnow} runs `fakesnow -s` from the peers' venv on a free loopback
 * port and puts the JSON adapter in front of it. fakesnow keeps ONE in-memory database per
 * process shared by every session, and accepts any user and password: start one per suite.
 *
 * @module
 */
import net from 'node:net';
import { freePort } from '../postgres/free-port.js';
import { findPeer } from './cache.js';
import { startChild } from './child.js';
import { startSnowflakeAdapter, type SnowflakeAdapter } from './snowflake-adapter.js';

/**
 * A running fakesnow behind the adapter.
 *
 * ### Examples
 * ```ts
 * const fs = await startFakesnow();
 * const manager = await DatabaseManager.connect(fs.url);
 * await fs.stop();
 * ```
 */
export interface FakesnowPeer {
  /** A gds URL: `snowflake://fake:snow@fakesnow?host=127.0.0.1&port=<adapter>&protocol=http`. */
  readonly url: string;
  /** The adapter's port (what clients use). */
  readonly port: number;
  /** fakesnow's own port (Arrow replies). */
  readonly upstreamPort: number;
  /** What ran, for test titles. */
  readonly label: string;
  /** The adapter, with its rewrite counts. */
  readonly adapter: SnowflakeAdapter;
  /** fakesnow's log so far. */
  output(): string;
  /** Stops the adapter and fakesnow. */
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts fakesnow and its adapter; rejects when the peer is not installed (check
 * `peerSkipReason('fakesnow')` first).
 *
 * ### Examples
 * ```ts
 * const fs = await startFakesnow();
 * ```
 */
export async function startFakesnow(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<FakesnowPeer> {
  const bin = findPeer('fakesnow', options.env)?.fakesnow;
  if (!bin) throw new Error('fakesnow is not installed: run bash scripts/install-peers.sh');
  const upstreamPort = await freePort();
  const child = await startChild(bin, ['-s', '-p', String(upstreamPort), '--host', '127.0.0.1'], {
    ready: () => accepts(upstreamPort),
    timeoutMs: options.timeoutMs ?? 60_000,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let adapter: SnowflakeAdapter;
  try {
    adapter = await startSnowflakeAdapter(upstreamPort);
  } catch (e) {
    await child.stop();
    throw e;
  }
  const q = new URLSearchParams({ host: '127.0.0.1', port: String(adapter.port), protocol: 'http' });
  return {
    url: `snowflake://fake:snow@fakesnow?${q.toString()}`,
    port: adapter.port,
    upstreamPort,
    label: 'fakesnow 0.12.1 (a Snowflake imitation over DuckDB), not Snowflake',
    adapter,
    output: child.output,
    stop: async () => {
      await adapter.close();
      await child.stop();
    },
  };
}

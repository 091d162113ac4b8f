/**
 * FerretDB v1.24.2 (a MongoDB-compatible server over SQLite, NOT MongoDB) as a test peer:
 * {@link startFerretDb} runs the wrapper that `scripts/install-peers.sh` builds from
 * `packages/gds-testkit/peers/ferretdb` on a free loopback port with a temp directory.
 *
 * @module
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../postgres/free-port.js';
import { findPeer } from './cache.js';
import { startChild } from './child.js';

/**
 * A running FerretDB.
 *
 * ### Examples
 * ```ts
 * const fdb = await startFerretDb();
 * const manager = await DatabaseManager.connect(fdb.url);
 * await fdb.stop();
 * ```
 */
export interface FerretDbPeer {
  /** `mongodb://127.0.0.1:<port>/?directConnection=true`. */
  readonly url: string;
  /** The loopback port. */
  readonly port: number;
  /** The SQLite directory (removed by stop()). */
  readonly dir: string;
  /** The server's pid. */
  readonly pid: number;
  /** What ran, for test titles: "FerretDB 1.24 (a MongoDB-compatible server), not MongoDB". */
  readonly label: string;
  /** Its log so far. */
  output(): string;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts FerretDB (the SQLite backend, no authentication) on a free port of 127.0.0.1; rejects
 * when the peer is not installed (check `peerSkipReason('ferretdb')` first).
 *
 * ### Examples
 * ```ts
 * const fdb = await startFerretDb();
 * console.log(fdb.url); // mongodb://127.0.0.1:40123/?directConnection=true
 * ```
 */
export async function startFerretDb(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<FerretDbPeer> {
  const bin = findPeer('ferretdb', options.env)?.['gds-ferretdb'];
  if (!bin) throw new Error('FerretDB is not installed: run bash scripts/install-peers.sh');
  const dir = mkdtempSync(join(tmpdir(), 'gds-ferretdb-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = await startChild(bin, ['-listen', address, '-dir', dir, '-stdin-eof-exit'], {
    ready: (out) => out.includes(`ready ${address}`),
    dir,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  return {
    url: `mongodb://${address}/?directConnection=true`,
    port,
    dir,
    pid: child.pid,
    label: 'FerretDB 1.24 (a MongoDB-compatible server), not MongoDB',
    output: child.output,
    stop: () => child.stop(),
  };
}

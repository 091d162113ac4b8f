/**
 * Where the independent peers live (a cache outside the clone, filled by
 * `scripts/install-peers.sh`) and whether a suite may use them: {@link findPeer} finds a peer's
 * programs, {@link peerSkipReason} says in one printed line why a peer suite skips.
 *
 * @module
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The peers the suites can run against. */
export type PeerName = 'ferretdb' | 'mongo-tools' | 'fakesnow' | 'sqlfluff';

/** The programs of each peer, as the install script names them. */
const PROGRAMS: Record<PeerName, readonly string[]> = {
  ferretdb: ['gds-ferretdb'],
  'mongo-tools': ['mongodump', 'mongorestore', 'bsondump'],
  fakesnow: ['fakesnow'],
  sqlfluff: ['sqlfluff'],
};

/** What each peer is, for skip lines and test titles (labelled honestly). */
export const PEER_LABELS: Readonly<Record<PeerName, string>> = Object.freeze({
  ferretdb: 'FerretDB 1.24 (a MongoDB-compatible server), not MongoDB',
  'mongo-tools': 'MongoDB Database Tools 100.18.0 (mongodump, mongorestore, bsondump)',
  fakesnow: 'fakesnow 0.12.1 (a Snowflake imitation over DuckDB), not Snowflake',
  sqlfluff: 'sqlfluff 4.5 (an independent SQL grammar)',
});

/**
 * The peers' cache: `GDS_PEERS_CACHE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/gds-peers`.
 *
 * ### Examples
 * ```ts
 * peersCacheDir(); // '/home/me/.cache/gds-peers'
 * ```
 */
export function peersCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GDS_PEERS_CACHE) return env.GDS_PEERS_CACHE;
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'gds-peers');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A program in the cache (`bin/`, then `venv/bin/`), else on PATH. */
function findProgram(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const cache = peersCacheDir(env);
  for (const dir of [join(cache, 'bin'), join(cache, 'venv', 'bin'), ...(env.PATH ?? '').split(delimiter).filter(Boolean)]) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The absolute paths of a peer's programs, keyed by program name, or `undefined` when one is
 * missing. The cache comes first, then PATH (a `mongodump` installed by the user counts).
 *
 * ### Examples
 * ```ts
 * const tools = findPeer('mongo-tools'); // { mongodump: '/…/bin/mongodump', mongorestore: …, bsondump: … }
 * ```
 */
export function findPeer(peer: PeerName, env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const found: Record<string, string> = {};
  for (const program of PROGRAMS[peer]) {
    const path = findProgram(program, env);
    if (path === undefined) return undefined;
    found[program] = path;
  }
  return found;
}

/** The one line the install script left on why it could not install `peer`, if any. */
function installFailure(peer: PeerName, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return readFileSync(join(peersCacheDir(env), `${peer}.missing`), 'utf8').split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a suite of `peer` must skip, or `undefined` when it can run; the reason is printed as one
 * line (`SKIP …`) on stderr. `GDS_TEST_PEERS=0` turns every peer suite off; otherwise a suite
 * runs whenever its peer is installed (`scripts/install-peers.sh`, which `.ci/run` calls with
 * `GDS_TEST_PEERS=1`), and skips saying what is missing.
 *
 * ### Examples
 * ```ts
 * const reason = peerSkipReason('ferretdb');
 * (reason ? describe.skip : describe)('FerretDB peer', () => { ... });
 * ```
 */
export function peerSkipReason(peer: PeerName, env: NodeJS.ProcessEnv = process.env, print: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string | undefined {
  let reason: string | undefined;
  if (env.GDS_TEST_PEERS === '0') {
    reason = `${peer} peer suite skipped: GDS_TEST_PEERS=0`;
  } else if (findPeer(peer, env) === undefined) {
    const why = installFailure(peer, env) ?? `not installed in ${peersCacheDir(env)} (run bash scripts/install-peers.sh)`;
    reason = `${peer} peer suite skipped (${PEER_LABELS[peer]}): ${env.GDS_TEST_PEERS === '1' ? 'GDS_TEST_PEERS=1 but ' : ''}${why}`;
  }
  if (reason) print(`SKIP ${reason}`);
  return reason;
}

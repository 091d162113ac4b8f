// The shared conformance suite with the real `mongodb` driver against FerretDB 1.24 (a
// MongoDB-compatible server over SQLite), NOT MongoDB: a peer written by others, next to the
// simulator run (conformance.sim.test.ts). Skips with one printed line where FerretDB is not
// installed (bash scripts/install-peers.sh).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, jest } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { runConformanceSuite } from '@gds/testkit/jest';
import { peerSkipReason, startFerretDb, type FerretDbPeer } from '@gds/testkit/peers';
import '../src/index.js';
import { FERRETDB_HOSTILE_NAMES, fingerprint, printGap, restoreRenameGap, seed } from './peer-helpers.js';

// The conformance suite's cases (declared by @gds/testkit) have no timeout of their own, so jest's
// 5 s default; several take 1-2.5 s here on a quiet machine: 60 s each for a loaded CI machine.
jest.setTimeout(60_000);

// The conformance suite restores in several cases and cannot skip them one by one: with the
// rename gap it skips whole, printing why (ferretdb.peer.test.ts still runs what needs no restore).
const gap = restoreRenameGap();
const skip = peerSkipReason('ferretdb') ?? (gap ? `conformance on FerretDB skipped: FERRETDB GAP (FerretDB 1.24, not MongoDB): ${gap}` : undefined);
if (gap && !peerSkipReason('ferretdb', process.env, () => undefined)) process.stderr.write(`SKIP ${skip}\n`);
(skip ? describe.skip : describe)('FerretDB 1.24 (a MongoDB-compatible server), not MongoDB', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-conf-ferret-'));
  let fdb: FerretDbPeer;
  beforeAll(async () => {
    fdb = await startFerretDb();
    printGap('database names are limited to ^[a-zA-Z0-9_-]{1,63}$: the hostile names with quotes, semicolons, brackets or non-ASCII run on the simulator only');
  }, 90_000);
  afterAll(async () => {
    await fdb?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  runConformanceSuite({
    name: 'mongodb on FerretDB 1.24 (peer, not MongoDB)',
    connect: () => DatabaseManager.connect(fdb.url),
    seed: (db) => seed(db),
    snapshot: (db) => fingerprint(db),
    backupTarget: (label) => join(tmp, label),
    hostileNames: FERRETDB_HOSTILE_NAMES,
  });
});

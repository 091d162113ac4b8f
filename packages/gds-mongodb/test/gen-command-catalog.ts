// Generates test/evidence/command-catalog.json (format: /work/notes/catalog-format.md, shared by
// the engines): every command the MongoDB provider sends, per operation and options, as its dry
// run returns them (OperationResult.statements), against the wire simulator. Reads have no dry
// run: for them (operations named `read:<name>`) the statements are the commands the simulator
// received, shown the same way (session and cluster-time fields left out). Member addresses
// (loopback ports) are replaced by `<member N>` so that the file is stable.
// Run: GDS_UPDATE_CATALOG=1 node node_modules/jest/bin/jest.js packages/gds-mongodb/test/command-catalog.test.ts
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseManager, type OperationResult } from '@gds/database';
import { MongoSimulator, type ReceivedCommand } from '@gds/testkit/mongo';
import { BSON, type Document } from 'mongodb';
import '../src/index.js';
import type { MongoDBDatabase, MongoDBReplicaSetManager } from '../src/index.js';
import { ARCHIVE_MAGIC } from '../src/mongodb-archive.js';
import { metadataJson } from '../src/mongodb-dump-layout.js';

/** One catalog entry. */
export interface CatalogEntry {
  operation: string;
  options: Record<string, unknown>;
  server?: string;
  statements: string[];
}

const DRIVER_FIELDS = new Set(['lsid', '$clusterTime', '$db', 'txnNumber', 'apiVersion']);

function shown(r: ReceivedCommand): string {
  const doc: Document = {};
  for (const [k, v] of Object.entries(r.body)) if (!DRIVER_FIELDS.has(k)) doc[k] = v;
  for (const k of Object.keys(r.sequences)) doc[k] = `<${r.sequences[k]!.length} raw BSON document(s)>`;
  return `db.getSiblingDB(${JSON.stringify(r.db)}).runCommand(${BSON.EJSON.stringify(doc, { relaxed: true })})`;
}

function normalizer(sims: MongoSimulator[]): (s: string) => string {
  const hosts = sims.flatMap((sim) => sim.hosts);
  return (s) => hosts.reduce((acc, h, i) => acc.split(h).join(`<member ${i % 10}>`), s);
}

async function seed(sim: MongoSimulator, db: string): Promise<void> {
  sim.store.putCollection(db, 'orders', [{ _id: 1, n: new BSON.Int32(1) }], { indexes: [{ v: 2, key: { n: 1 }, name: 'n_1' }] });
  sim.store.putCollection(db, 'log', [{ _id: 1 }], { options: { capped: true, size: new BSON.Int32(4096) } });
  sim.store.putCollection(db, 'big_orders', [], { options: { viewOn: 'orders', pipeline: [{ $match: { n: { $gt: 0 } } }] } });
}

/**
 * Runs every operation against simulators and returns the catalog entries.
 *
 * ### Examples
 * ```ts
 * const entries = await generateCatalog();
 * ```
 */
export async function generateCatalog(): Promise<CatalogEntry[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-catalog-'));
  const standalone = await MongoSimulator.start();
  const rs = await MongoSimulator.start({ members: 3 });
  const ps = await MongoSimulator.start({ members: 2 });
  const norm = normalizer([standalone, rs, ps]);
  const managers = await Promise.all([standalone, rs, ps].map((s) => DatabaseManager.connect(s.url)));
  const [m, mrs, mps] = managers as [DatabaseManager, DatabaseManager, DatabaseManager];
  const out: CatalogEntry[] = [];
  const add = (operation: string, options: Record<string, unknown>, r: OperationResult<unknown>, server?: string) => out.push({ operation, options, ...(server ? { server } : {}), statements: r.statements.map(norm) });
  const reads = async (sim: MongoSimulator, operation: string, work: () => Promise<unknown>, server?: string) => {
    sim.clearReceived();
    await work();
    out.push({ operation: `read:${operation}`, options: {}, ...(server ? { server } : {}), statements: sim.received.map((r) => norm(shown(r))) });
  };
  try {
    const app = m.getDatabase('app') as MongoDBDatabase;
    add('create', {}, await app.create({ dryRun: true }));
    add('create', { collection: 'events', collectionOptions: { capped: true, size: 1048576, validator: { at: { $gt: { $date: '2026-01-01T00:00:00Z' } } } } }, await app.create({ dryRun: true, collection: 'events', collectionOptions: { capped: true, size: 1048576, validator: { at: { $gt: { $date: '2026-01-01T00:00:00Z' } } } } }));
    await seed(standalone, 'app');
    add('drop', {}, await app.drop({ dryRun: true }));
    add('backup', {}, await app.backup(join(tmp, 'b1'), { dryRun: true }), 'standalone 7.0');
    add('backup', { gzip: true, collections: ['orders'], query: { n: { $numberInt: '1' } } }, await app.backup(join(tmp, 'b2'), { dryRun: true, gzip: true, collections: ['orders'], query: { n: { $numberInt: '1' } } }), 'standalone 7.0');
    standalone.script({ command: 'profile', reply: { was: 0, slowms: 100, sampleRate: 1 } });
    add('setProfilingLevel', { level: 1, slowMs: 50 }, await app.setProfilingLevel(1, { dryRun: true, slowMs: 50 }));
    add('setProfilingLevel', { level: 1, filter: { ts: { $gt: { $date: '2026-01-01T00:00:00Z' } } } }, await app.setProfilingLevel(1, { dryRun: true, filter: { ts: { $gt: { $date: '2026-01-01T00:00:00Z' } } } }));
    await app.backup(join(tmp, 'dump'));
    const copy = m.getDatabase('app_copy') as MongoDBDatabase;
    add('restore', {}, await copy.restore(join(tmp, 'dump'), { dryRun: true }));
    await copy.restore(join(tmp, 'dump'));
    add('restore', { drop: true, collections: ['orders'] }, await copy.restore(join(tmp, 'dump'), { dryRun: true, drop: true, collections: ['orders'] }));
    add('restore', { replace: true }, await copy.restore(join(tmp, 'dump'), { dryRun: true, replace: true }));
    const archive = join(tmp, 'app.archive');
    const seg = (collection: string, docs: Uint8Array[]) => [BSON.serialize({ db: 'app', collection, EOF: false, CRC: BSON.Long.ZERO }), ...docs, Buffer.from([255, 255, 255, 255])];
    await fs.writeFile(archive, Buffer.concat([ARCHIVE_MAGIC, BSON.serialize({ version: '0.1' }), BSON.serialize({ db: 'app', collection: 'orders', metadata: metadataJson({ name: 'orders', type: 'collection', options: {}, indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }] }), size: 0 }), Buffer.from([255, 255, 255, 255]), ...seg('orders', [BSON.serialize({ _id: 1 })]), BSON.serialize({ db: 'app', collection: 'orders', EOF: true, CRC: BSON.Long.ZERO }), Buffer.from([255, 255, 255, 255])]));
    add('restore', { source: 'mongodump --archive file' }, await (m.getDatabase('from_archive') as MongoDBDatabase).restore(archive, { dryRun: true }));
    await reads(standalone, 'getMetadata', () => app.getMetadata());
    await reads(standalone, 'exists', () => app.exists());
    await reads(standalone, 'listTables', () => app.listTables());
    await reads(standalone, 'getProfilingLevel', () => app.getProfilingLevel());
    await reads(standalone, 'listDatabases', () => m.listDatabases());

    await seed(rs, 'ledger');
    const ledger = mrs.getDatabase('ledger') as MongoDBDatabase;
    add('backup', {}, await ledger.backup(join(tmp, 'b3'), { dryRun: true }), 'replica set 7.0 (capped read outside the snapshot)');
    const ha = ledger.ha as MongoDBReplicaSetManager;
    await reads(rs, 'ha.getStatus', () => ha.getStatus(), 'replica set 7.0');
    add('ha.addNode', { name: 'db4:27017', priority: 0, hidden: true }, await ha.addNode({ name: 'db4:27017', priority: 0, hidden: true }, { dryRun: true }), 'replica set 7.0 (P-S-S)');
    add('ha.removeNode', { nodeName: '<member 2>' }, await ha.removeNode(rs.hosts[2]!, { dryRun: true }), 'replica set 7.0 (P-S-S)');
    add('ha.failover', {}, await ha.failover({ dryRun: true }), 'replica set 7.0');
    add('ha.failover', { target: '<member 2>', force: true, stepDownSecs: 30 }, await ha.failover({ dryRun: true, target: rs.hosts[2]!, force: true, stepDownSecs: 30 }), 'replica set 7.0');
    add('ha.setSyncMode', { mode: 'synchronous' }, await ha.setSyncMode('synchronous', { dryRun: true }), 'replica set 7.0');
    add('ha.createConfiguration', { name: 'rs1', members: [{ name: 'a:27017' }, { name: 'b:27017', priority: 0 }] }, await ha.createConfiguration({ name: 'rs1', members: [{ name: 'a:27017' }, { name: 'b:27017', priority: 0 }], dryRun: true } as never), 'replica set 7.0');
    const psHa = mps.getDatabase('app').ha as MongoDBReplicaSetManager;
    add('ha.addNode', { name: 'arbiter:27017', arbiterOnly: true }, await psHa.addNode({ name: 'arbiter:27017', arbiterOnly: true }, { dryRun: true }), 'replica set 7.0 (P-S, no cluster-wide write concern: the implicit default would change)');
  } finally {
    await Promise.all(managers.map((x) => x.close()));
    await Promise.all([standalone, rs, ps].map((s) => s.stop()));
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

/**
 * The native backup of a MongoDB database: no external tool, the mongodump directory layout (see
 * mongodb-dump-layout.ts), so that mongorestore reads it too.
 *
 * - It streams: each collection is read with a raw cursor (documents stay the server's BSON
 *   bytes, never decoded) piped into the file (through gzip with `gzip: true`), with
 *   backpressure, so memory holds about one cursor batch whatever the data size.
 * - On a replica set or sharded cluster of MongoDB 5.0+ every collection is read at one point in
 *   time (a snapshot session: `readConcern: { level: 'snapshot' }`, then the `atClusterTime` the
 *   server chose on the first read), recorded in the manifest and the result. A snapshot lives
 *   only as long as the server keeps history (`minSnapshotHistoryWindowInSeconds`, 300 s by
 *   default): a longer dump fails with SnapshotTooOld, and the hint says what to do. A standalone
 *   (or a server before 5.0, which has no snapshot reads outside transactions) cannot read at a
 *   point in time: each collection is read as it is then, and the result says so.
 * - Capped collections cannot be read at a snapshot before MongoDB 8.0 (SnapshotUnavailable,
 *   246): with `pointInTime: 'auto'` they are read outside the snapshot, listed in the manifest
 *   (`notAtPointInTime`) and the result; with `pointInTime: 'snapshot'` the backup is refused
 *   before anything is read.
 * - listCollections and listIndexes are decoded exactly (`promoteValues: false`,
 *   `bsonRegExp: true`), so that metadata.json holds `1.0` as a double and a validator's regex
 *   with all its flags (`x` too), in canonical Extended JSON, as mongodump writes it.
 * - It is written to a hidden folder beside the target (named after this process, so that a
 *   later backup removes the partial of one killed with `kill -9`) and renamed into place only
 *   when complete; a failure or cancellation removes that folder, so the target never holds a
 *   partial backup. When the target changed while the backup ran (something appeared there, or
 *   the folder to overwrite was changed), nothing is replaced and the complete new backup stays
 *   at its partial path, which the ValidationError names. `overwrite` replaces only an earlier gds/mongodump backup folder (gds's
 *   manifest, or only database folders of .bson/.metadata.json files and a root oplog.bson), by
 *   renaming it aside after the new one is complete; a regular file, a link, a device or any
 *   other folder is refused, and a dry run says what would be replaced.
 * - Views are dumped as metadata (their definition), time-series collections as their buckets
 *   (`system.buckets.<name>.bson`), as mongodump does. `system.*` collections are skipped but
 *   `system.js`; users and roles (stored in `admin`) are not part of a database dump.
 *
 * @module
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { DatabaseNotFoundError, ValidationError, type BackupInfo } from '@gds/database';
import { inspectOverwrite, moveIntoPlace, partialPath, removeStalePartials, sizeOnDisk, type OperationContext, type OperationOutcome } from '@gds/database/engine';
import { BSON, type ClientSession, type Document, type Timestamp } from 'mongodb';
import type { MongoDBConnection } from './mongodb-connection.js';
import { MANIFEST_FILE, fileStem, metadataJson, type BackupManifest, type ManifestCollection } from './mongodb-dump-layout.js';
import type { MongoDBBackupOptions } from './mongodb-options.js';
import { quoteName } from './mongodb-quote.js';
import { describeCommand, listCollections, listDatabases } from './mongodb-statements.js';

/** How server replies are decoded where their BSON types matter: Int32/Double/Long kept, regexes as BSONRegExp. */
export const EXACT = { promoteValues: false, bsonRegExp: true } as const;

/** A collection as listCollections describes it. */
export interface CollectionInfo {
  name: string;
  type: 'collection' | 'view' | 'timeseries';
  options: Document;
  uuid?: string;
}

const DUMP_FILE = /^[^/]+\.(bson|metadata\.json)(\.gz)?$/;

/**
 * Whether `path` is a gds or mongodump backup folder: gds's manifest at its root, or nothing but
 * database folders holding only .bson/.metadata.json files (gzipped or not), plus a root
 * oplog.bson / prelude.json.
 *
 * ### Examples
 * ```ts
 * await isDumpFolder('/backups/app'); // true for a folder written by backup() or mongodump --out
 * ```
 */
export async function isDumpFolder(path: string): Promise<boolean> {
  const manifest = await fs.readFile(join(path, MANIFEST_FILE), 'utf8').catch(() => undefined);
  if (manifest) {
    try {
      return (JSON.parse(manifest) as { format?: unknown }).format === 'gds-mongodb-dump';
    } catch {
      return false;
    }
  }
  const entries = await fs.readdir(path, { withFileTypes: true }).catch(() => []);
  let databases = 0;
  for (const e of entries) {
    if (e.isFile() && /^(oplog\.bson(\.gz)?|prelude\.json)$/.test(e.name)) continue;
    if (!e.isDirectory()) return false;
    const files = await fs.readdir(join(path, e.name), { withFileTypes: true });
    if (!files.every((f) => f.isFile() && DUMP_FILE.test(f.name))) return false;
    databases++;
  }
  return databases > 0;
}

/**
 * Whether mongodump would skip a collection: `system.*` (but `system.js`) and names with `$`.
 *
 * ### Examples
 * ```ts
 * isSkippedSystemCollection('system.profile'); // true
 * ```
 */
export function isSkippedSystemCollection(name: string): boolean {
  if (name === 'system.js') return false;
  return name.startsWith('system.') || name.includes('$');
}

/**
 * The collections of `database`, mapped from listCollections (UUIDs as 32 hex digits).
 *
 * ### Examples
 * ```ts
 * const colls = await readCollections(conn, 'app', signal);
 * ```
 */
export async function readCollections(conn: MongoDBConnection, database: string, signal: AbortSignal): Promise<CollectionInfo[]> {
  const raw = await conn.db(database).listCollections({}, { signal, ...EXACT }).toArray();
  return raw.map((c) => {
    const doc = c as Document;
    const info = doc.info as { uuid?: { sub_type?: number; buffer?: Uint8Array; toString(enc: 'hex'): string } } | undefined;
    const type = doc.type === 'view' || doc.type === 'timeseries' ? doc.type : 'collection';
    return { name: String(doc.name), type, options: (doc.options as Document | undefined) ?? {}, uuid: info?.uuid ? info.uuid.toString('hex') : undefined };
  });
}

function selectCollections(all: CollectionInfo[], options: MongoDBBackupOptions): CollectionInfo[] {
  const issues = [];
  if (options.query && !options.collections?.length) issues.push({ path: '/query', message: 'a query needs the collections it applies to (collections: [...])' });
  const names = new Set(all.map((c) => c.name));
  for (const name of options.collections ?? []) if (!names.has(name)) issues.push({ path: '/collections', message: `collection '${name}' does not exist` });
  if (issues.length) throw new ValidationError('Invalid options for backup', issues, { engine: 'mongodb', operation: 'backup' });
  const wanted = options.collections ? new Set(options.collections) : undefined;
  const excluded = new Set(options.excludeCollections ?? []);
  return all.filter((c) => (wanted ? wanted.has(c.name) : !isSkippedSystemCollection(c.name)) && !excluded.has(c.name));
}

/**
 * Backs `database` up into the folder `targetPath` (see the module comment).
 *
 * ### Examples
 * ```ts
 * await backupDatabase(ctx, conn, 'app', '/backups/app', { gzip: true });
 * ```
 */
export async function backupDatabase(ctx: OperationContext, conn: MongoDBConnection, database: string, targetPath: string, options: MongoDBBackupOptions): Promise<OperationOutcome<BackupInfo>> {
  const target = resolve(targetPath);
  const parent = await fs.stat(dirname(target)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new ValidationError('Invalid backup target', [{ path: '/target', message: `folder ${dirname(target)} does not exist` }], { engine: 'mongodb' });
  const existing = await inspectOverwrite(target, { overwrite: options.overwrite, isBackupFolder: isDumpFolder, engine: 'mongodb', folderKind: 'gds/mongodump backup folder' });
  if (existing.kind === 'file') {
    throw new ValidationError('Invalid backup target', [{ path: '/target', message: `${target} is a regular file; a MongoDB backup is a folder, and overwrite replaces only an earlier gds/mongodump backup folder` }], { engine: 'mongodb', operation: 'backup', hint: 'back up to a new folder' });
  }
  const listing = await conn.run(listDatabases(database, true), { signal: ctx.signal });
  if (!((listing.databases as Document[] | undefined) ?? []).some((d) => d.name === database)) throw new DatabaseNotFoundError(`Database '${database}' does not exist on ${conn.endpoint}`, { engine: 'mongodb', operation: 'backup' });

  const deployment = await conn.deployment(ctx.signal);
  const build = await conn.command('admin', { buildInfo: 1 }, { signal: ctx.signal }).catch(() => undefined);
  const major = Number.parseInt(String(build?.version ?? ''), 10) || (deployment.maxWireVersion >= 25 ? 8 : deployment.maxWireVersion >= 13 ? 5 : 4);
  const mode = options.pointInTime ?? 'auto';
  const canSnapshot = deployment.kind !== 'standalone' && major >= 5;
  if (mode === 'snapshot' && !canSnapshot) {
    const why = deployment.kind === 'standalone' ? 'a standalone server cannot read at a point in time (snapshot reads need a replica set or sharded cluster)' : `MongoDB ${String(build?.version ?? major)} has no snapshot reads outside transactions (5.0+)`;
    throw new ValidationError('Invalid options for backup', [{ path: '/pointInTime', message: why }], { engine: 'mongodb', operation: 'backup' });
  }
  const snapshot = mode !== 'none' && canSnapshot;
  ctx.record(describeCommand(listCollections(database)));
  const collections = selectCollections(await readCollections(conn, database, ctx.signal), options);
  const outside = snapshot && major < 8 ? collections.filter((c) => c.type === 'collection' && c.options.capped === true).map((c) => c.name) : [];
  if (outside.length && mode === 'snapshot') {
    throw new ValidationError('Invalid options for backup', [{ path: '/pointInTime', message: `capped collections cannot be read at a snapshot before MongoDB 8.0 (SnapshotUnavailable): ${outside.join(', ')}` }], {
      engine: 'mongodb',
      operation: 'backup',
      hint: "pass pointInTime: 'auto' to read them outside the snapshot, or excludeCollections",
    });
  }
  const filter = options.query ? (BSON.EJSON.deserialize(options.query as Document, { relaxed: true }) as Document) : {};
  for (const c of collections) {
    if (c.type === 'view') continue;
    const source = c.type === 'timeseries' ? `system.buckets.${c.name}` : c.name;
    const readConcern = snapshot && !outside.includes(c.name) ? ', readConcern: { level: "snapshot" }' : '';
    ctx.record(`db.getSiblingDB(${quoteName(database)}).getCollection(${quoteName(source)}).find(${BSON.EJSON.stringify(filter, { relaxed: true })}, { raw: true${readConcern} })`);
  }
  const data: BackupInfo = { target, type: 'full', format: options.gzip ? 'mongodump-directory-gzip' : 'mongodump-directory', details: { collections: collections.length, pointInTime: snapshot ? 'snapshot' : 'none' } };
  for (const line of (await removeStalePartials(dirname(target), { dryRun: ctx.dryRun })).messages) ctx.message(line);
  if (ctx.dryRun) return { message: `would dump ${collections.length} collection(s) of ${database}: ${existing.description}`, data };

  const temp = partialPath(target);
  const dbDir = join(temp, database);
  const session = snapshot ? conn.client.startSession({ snapshot: true }) : undefined;
  const startedAt = new Date();
  let placing = false;
  try {
    await fs.mkdir(dbDir, { recursive: true });
    if (outside.length) ctx.message(`read outside the snapshot (capped collections cannot be read at one before MongoDB 8.0): ${outside.join(', ')}`);
    const written = await dumpCollections(ctx, conn, database, dbDir, collections, filter, options, session, new Set(outside));
    const snapshotTime = session ? (session as unknown as { snapshotTime?: Timestamp }).snapshotTime : undefined;
    const pointInTime = snapshotTime ? { t: snapshotTime.high, i: snapshotTime.low, date: new Date(snapshotTime.high * 1000).toISOString() } : undefined;
    const manifest: BackupManifest = {
      format: 'gds-mongodb-dump',
      version: 1,
      database,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      gzip: options.gzip === true,
      ...(pointInTime ? { pointInTime } : {}),
      ...(outside.length ? { notAtPointInTime: outside } : {}),
      ...(typeof build?.version === 'string' ? { serverVersion: build.version } : {}),
      collections: written,
    };
    await fs.writeFile(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    ctx.throwIfAborted();
    placing = true;
    await moveIntoPlace(temp, existing);
    placing = false;
    const sizeBytes = await sizeOnDisk(target);
    const documents = written.reduce((s, c) => s + c.documents, 0);
    ctx.progress({ percent: 100, bytes: sizeBytes });
    const when = pointInTime
      ? `at cluster time ${pointInTime.t}.${pointInTime.i} (${pointInTime.date})${outside.length ? `, but for ${outside.join(', ')} (capped: read outside the snapshot, MongoDB before 8.0 cannot)` : ''}`
      : deployment.kind === 'standalone'
        ? 'without a point in time (a standalone has no snapshot reads)'
        : !canSnapshot
          ? 'without a point in time (snapshot reads need MongoDB 5.0)'
          : 'without a point in time (pointInTime: none)';
    return {
      message: `dumped ${written.length} collection(s), ${documents} document(s) of ${database} to ${target} ${when}`,
      data: { ...data, sizeBytes, details: { ...data.details, documents, pointInTime: pointInTime ?? 'none', ...(outside.length ? { notAtPointInTime: outside } : {}), manifest: join(target, MANIFEST_FILE) } },
    };
  } catch (error) {
    // a target that changed while the backup ran: moveIntoPlace refuses (ValidationError) and the new backup stays at `temp`, which the error names
    if (!(placing && ValidationError.isInstance(error))) await fs.rm(temp, { recursive: true, force: true });
    throw error;
  } finally {
    await session?.endSession().catch(() => undefined);
  }
}

async function dumpCollections(
  ctx: OperationContext,
  conn: MongoDBConnection,
  database: string,
  dbDir: string,
  collections: CollectionInfo[],
  filter: Document,
  options: MongoDBBackupOptions,
  session: ClientSession | undefined,
  outsideSnapshot: ReadonlySet<string>,
): Promise<ManifestCollection[]> {
  const db = conn.db(database);
  const gz = options.gzip ? '.gz' : '';
  const counts = new Map<string, number>();
  for (const c of collections) {
    if (c.type !== 'collection') continue;
    counts.set(c.name, await db.collection(c.name).estimatedDocumentCount().catch(() => 0));
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  let docsDone = 0;
  let bytesDone = 0;
  let lastReport = 0;
  const report = (force = false) => {
    const now = ctx.elapsedMs();
    if (!force && now - lastReport < 200) return;
    lastReport = now;
    ctx.progress({ bytes: bytesDone, percent: total > 0 ? Math.min(99, Math.floor((docsDone / total) * 100)) : undefined });
  };
  const written: ManifestCollection[] = [];
  for (const c of collections) {
    ctx.throwIfAborted();
    const stem = fileStem(c.name);
    const indexes = c.type === 'view' ? [] : ((await db.collection(c.name).listIndexes({ signal: ctx.signal, ...EXACT } as never).toArray()) as Document[]);
    const meta = metadataJson({ name: c.name, type: c.type, options: c.options, uuid: c.uuid, indexes });
    await fs.writeFile(join(dbDir, `${stem}.metadata.json${gz}`), options.gzip ? gzipSync(meta) : meta);
    if (c.type === 'view') {
      written.push({ name: c.name, type: c.type, documents: 0, bytes: 0 });
      continue;
    }
    const source = c.type === 'timeseries' ? `system.buckets.${c.name}` : c.name;
    const file = `${c.type === 'timeseries' ? fileStem(source) : stem}.bson${gz}`;
    const cursor = db.collection(source).find(filter, {
      raw: true,
      signal: ctx.signal,
      ...(session && !outsideSnapshot.has(c.name) ? { session } : {}),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
    let documents = 0;
    let bytes = 0;
    async function* docs(): AsyncGenerator<Uint8Array> {
      try {
        for await (const doc of cursor as unknown as AsyncIterable<Uint8Array>) {
          documents++;
          bytes += doc.length;
          docsDone++;
          bytesDone += doc.length;
          report();
          yield doc;
        }
      } finally {
        await cursor.close().catch(() => undefined);
      }
    }
    const out = createWriteStream(join(dbDir, file), { flags: 'wx' });
    if (options.gzip) await pipeline(Readable.from(docs()), createGzip(), out, { signal: ctx.signal });
    else await pipeline(Readable.from(docs()), out, { signal: ctx.signal });
    written.push({ name: c.name, type: c.type, file, documents, bytes });
    ctx.message(`dumped ${database}.${c.name}: ${documents} document(s), ${bytes} bytes`);
    report(true);
  }
  return written;
}

/**
 * Restore and verification of a dump in the mongodump directory layout, gds's or mongodump's
 * own (`mongodump --db app --out dump` gives `dump/app/`; either folder may be given).
 *
 * Restore: every collection is checked before anything is written: an existing collection
 * holding documents is refused unless `drop` (drop that collection first, as mongorestore
 * --drop) or `replace` (drop the whole database first). Then collections are created with their
 * dumped options, documents streamed from the file and inserted in batches (at most `batchSize`
 * documents and 8 MiB per insert, decoded so that numbers keep their BSON types), indexes built
 * after the data, and views created last (a view on a view after its source). Time-series
 * collections are created with their options and their buckets inserted into
 * `system.buckets.<name>`, as mongorestore does. The UUIDs of the dump are not kept (new
 * collections get new ones, as mongorestore without --preserveUUID).
 *
 * Verify: reads every file (through gunzip), checks the BSON framing of every document and that
 * each decodes, parses every metadata file, and compares the counts with gds's manifest when
 * there is one. A bad backup rejects with ValidationError (a forgotten `valid` check must not
 * hide it).
 *
 * @module
 */
import { createReadStream, promises as fs, type ReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ValidationError, type BackupVerification, type OperationContext, type OperationOutcome } from '@gds/database';
import { BSON, type Document } from 'mongodb';
import { readCollections } from './mongodb-backup.js';
import type { MongoDBConnection } from './mongodb-connection.js';
import { MANIFEST_FILE, parseMetadata, readBsonDocuments, unescapeCollectionName, type BackupManifest, type DumpMetadata } from './mongodb-dump-layout.js';
import type { MongoDBRestoreOptions } from './mongodb-options.js';
import { validateCollectionName } from './mongodb-quote.js';
import { createCollection, createIndexes, describeCommand, dropCollection, dropDatabase, type Command } from './mongodb-statements.js';

/** Most bytes one insert carries. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const EXACT = { promoteValues: false, bsonRegExp: true } as const;

/** One collection found in a dump folder. */
export interface DumpEntry {
  /** Its name in the dump. */
  name: string;
  /** The parsed metadata (defaults when the dump has only a .bson). */
  metadata: DumpMetadata;
  /** The data file, absent for views. */
  dataFile?: string;
  /** Whether its files are gzipped. */
  gzip: boolean;
}

/** A dump folder, read. */
export interface DumpFolder {
  /** The database folder. */
  dir: string;
  /** The database the dump came from (the folder's name). */
  database: string;
  /** gds's manifest, when there is one. */
  manifest?: BackupManifest;
  /** Every collection. */
  entries: DumpEntry[];
}

const invalidSource = (message: string) => new ValidationError('Invalid backup source', [{ path: '/source', message }], { engine: 'mongodb' });

async function isDir(path: string): Promise<boolean> {
  return (await fs.stat(path).catch(() => undefined))?.isDirectory() === true;
}

function isDumpFile(name: string): boolean {
  return /\.(bson|metadata\.json)(\.gz)?$/.test(name);
}

/**
 * Finds the database folder in `source` (a dump root with one or more database folders, or a
 * database folder) and reads its metadata files.
 *
 * ### Examples
 * ```ts
 * const dump = await readDumpFolder('/backups/app');
 * console.log(dump.database, dump.entries.map((e) => e.name));
 * ```
 */
export async function readDumpFolder(source: string, sourceDatabase?: string): Promise<DumpFolder> {
  const root = resolve(source);
  if (!(await isDir(root))) throw invalidSource(`${root} is not a folder (a MongoDB dump is a folder of .bson and .metadata.json files)`);
  const manifestText = await fs.readFile(join(root, MANIFEST_FILE), 'utf8').catch(() => undefined);
  const manifest = manifestText ? (JSON.parse(manifestText) as BackupManifest) : undefined;
  const names = await fs.readdir(root);
  let dir: string;
  if (names.some(isDumpFile)) {
    dir = root;
  } else {
    const folders: string[] = [];
    for (const n of names) if (await isDir(join(root, n))) folders.push(n);
    const pick = sourceDatabase ?? manifest?.database ?? (folders.length === 1 ? folders[0] : undefined);
    if (!pick) {
      throw invalidSource(folders.length === 0 ? `${root} holds no database folder and no .bson/.metadata.json files` : `${root} holds several databases (${folders.join(', ')}): pass sourceDatabase`);
    }
    if (!folders.includes(pick)) throw invalidSource(`${root} has no folder for database '${pick}'`);
    dir = join(root, pick);
  }
  const files = await fs.readdir(dir);
  const byName = new Map<string, DumpEntry>();
  for (const file of files.filter((f) => /\.metadata\.json(\.gz)?$/.test(f)).sort()) {
    const gzip = file.endsWith('.gz');
    const raw = await fs.readFile(join(dir, file));
    let metadata: DumpMetadata;
    try {
      metadata = parseMetadata((gzip ? gunzipSync(raw) : raw).toString('utf8'));
    } catch (e) {
      throw invalidSource(`${join(dir, file)} is not a readable metadata file: ${(e as Error).message}`);
    }
    const stem = file.replace(/\.metadata\.json(\.gz)?$/, '');
    const name = metadata.collectionName ?? unescapeCollectionName(stem);
    const dataStem = metadata.type === 'timeseries' ? `system.buckets.${stem}` : stem;
    const dataFile = metadata.type === 'view' ? undefined : files.find((f) => f === `${dataStem}.bson${gzip ? '.gz' : ''}`);
    byName.set(name, { name, metadata, dataFile, gzip });
  }
  for (const file of files.filter((f) => /\.bson(\.gz)?$/.test(f))) {
    const stem = file.replace(/\.bson(\.gz)?$/, '');
    if (stem.startsWith('system.buckets.') || stem.startsWith('$admin.')) continue;
    const name = unescapeCollectionName(stem);
    if (!byName.has(name)) byName.set(name, { name, metadata: { options: {}, indexes: [], type: 'collection' }, dataFile: file, gzip: file.endsWith('.gz') });
  }
  return { dir, database: manifest?.database ?? dir.split(/[\\/]/).pop() ?? '', manifest, entries: [...byName.values()] };
}

function openData(dir: string, entry: DumpEntry): { stream: Readable; file: ReadStream } {
  const file = createReadStream(join(dir, entry.dataFile!));
  if (!entry.gzip) return { stream: file, file };
  const gunzip = createGunzip();
  file.on('error', (e) => gunzip.destroy(e));
  return { stream: file.pipe(gunzip), file };
}

/**
 * Maps a dumped collection name through `nsFrom`/`nsTo` (exact names, or patterns with one `*`).
 *
 * ### Examples
 * ```ts
 * renameCollection('orders_2024', ['orders_*'], ['archive_*']); // 'archive_2024'
 * ```
 */
export function renameCollection(name: string, from: readonly string[], to: readonly string[]): string {
  for (let i = 0; i < from.length; i++) {
    const pattern = from[i]!;
    const replacement = to[i]!;
    const star = pattern.indexOf('*');
    if (star < 0) {
      if (name === pattern) return replacement;
      continue;
    }
    const head = pattern.slice(0, star);
    const tail = pattern.slice(star + 1);
    if (name.length >= head.length + tail.length && name.startsWith(head) && name.endsWith(tail)) {
      return replacement.replace('*', name.slice(head.length, name.length - tail.length));
    }
  }
  return name;
}

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * The options to create a collection with, from the dump: fields a server reports but refuses
 * back are dropped (`clusteredIndex.v`; a time-series `bucketMaxSpanSeconds` next to
 * `granularity`, which 6.3+ refuse together).
 *
 * ### Examples
 * ```ts
 * creationOptions({ timeseries: { timeField: 't', granularity: 'seconds', bucketMaxSpanSeconds: 3600 } });
 * // { timeseries: { timeField: 't', granularity: 'seconds' } }
 * ```
 */
export function creationOptions(options: Document): Document {
  const out: Document = { ...options };
  if (out.clusteredIndex && typeof out.clusteredIndex === 'object') {
    const { v: _v, ...rest } = out.clusteredIndex as Document;
    out.clusteredIndex = rest;
  }
  if (out.timeseries && typeof out.timeseries === 'object') {
    const ts = { ...(out.timeseries as Document) };
    if (ts.granularity !== undefined) delete ts.bucketMaxSpanSeconds;
    out.timeseries = ts;
  }
  return out;
}

function orderViews(views: DumpEntry[]): DumpEntry[] {
  const out: DumpEntry[] = [];
  const pending = new Map(views.map((v) => [v.name, v]));
  const visit = (v: DumpEntry, depth: number) => {
    if (!pending.has(v.name) || depth > views.length) return;
    const on = v.metadata.options.viewOn;
    const source = typeof on === 'string' ? pending.get(on) : undefined;
    if (source && source !== v) visit(source, depth + 1);
    if (pending.delete(v.name)) out.push(v);
  };
  for (const v of views) visit(v, 0);
  return out;
}

/**
 * Restores `database` from the dump at `source` (see the module comment).
 *
 * ### Examples
 * ```ts
 * await restoreDatabase(ctx, conn, 'app_copy', '/backups/app', { drop: true });
 * ```
 */
export async function restoreDatabase(ctx: OperationContext, conn: MongoDBConnection, database: string, source: string, options: MongoDBRestoreOptions): Promise<OperationOutcome> {
  const from = asList(options.nsFrom);
  const to = asList(options.nsTo);
  const issues = [];
  if (from.length !== to.length) issues.push({ path: '/nsTo', message: 'nsFrom and nsTo must have as many entries' });
  for (let i = 0; i < from.length; i++) if ((from[i]!.split('*').length > 2) || from[i]!.includes('*') !== (to[i] ?? '').includes('*')) issues.push({ path: '/nsFrom', message: `'${from[i]}' and '${to[i] ?? ''}': use one * in both, or none` });
  if (options.drop && options.replace) issues.push({ path: '/drop', message: 'drop and replace exclude each other (replace drops the whole database)' });
  if (issues.length) throw new ValidationError('Invalid options for restore', issues, { engine: 'mongodb', operation: 'restore' });

  const dump = await readDumpFolder(source, options.sourceDatabase);
  const wanted = options.collections ? new Set(options.collections) : undefined;
  if (wanted) {
    const missing = [...wanted].filter((n) => !dump.entries.some((e) => e.name === n));
    if (missing.length) throw new ValidationError('Invalid options for restore', [{ path: '/collections', message: `not in the dump: ${missing.join(', ')}` }], { engine: 'mongodb', operation: 'restore' });
  }
  const plan = dump.entries.filter((e) => !wanted || wanted.has(e.name)).map((e) => ({ entry: e, target: renameCollection(e.name, from, to) }));
  for (const p of plan) validateCollectionName(database, p.target, p.target === 'system.js');

  const db = conn.db(database);
  const existing = new Map((await readCollections(conn, database, ctx.signal)).map((c) => [c.name, c]));
  const run = (c: Command) => ctx.step(describeCommand(c), () => conn.command(c.db, c.doc, { signal: ctx.signal }));
  if (!options.replace) {
    const full: string[] = [];
    for (const p of plan) {
      const e = existing.get(p.target);
      if (!e) continue;
      if (e.type === 'view' || p.entry.metadata.type === 'view' || (await db.collection(e.type === 'timeseries' ? `system.buckets.${p.target}` : p.target).estimatedDocumentCount()) > 0) full.push(p.target);
    }
    if (full.length && !options.drop) {
      throw new ValidationError(`Refusing to restore into '${database}': ${full.length} collection(s) already hold data`, [
        { path: '/drop', message: `${full.join(', ')} exist with data; pass drop: true to drop each of them first, or replace: true to drop the whole database` },
      ], { engine: 'mongodb', operation: 'restore' });
    }
  }
  if (options.replace && existing.size > 0) {
    await run(dropDatabase(database));
    existing.clear();
  }
  if (options.drop) {
    for (const p of plan) if (existing.has(p.target)) {
      await run(dropCollection(database, p.target));
      existing.delete(p.target);
    }
  }
  const totalBytes = (await Promise.all(plan.map((p) => (p.entry.dataFile ? fs.stat(join(dump.dir, p.entry.dataFile)).then((s) => s.size) : 0)))).reduce((a, b) => a + b, 0);
  let bytesRead = 0;
  let documents = 0;
  const tables = plan.filter((p) => p.entry.metadata.type !== 'view');
  for (const { entry, target } of tables) {
    if (!existing.has(target)) await run(createCollection(database, target, creationOptions(entry.metadata.options)));
    else ctx.message(`${target} exists and is empty: documents go into it, its options are left as they are`);
    const into = entry.metadata.type === 'timeseries' ? `system.buckets.${target}` : target;
    if (entry.dataFile) {
      ctx.record(`db.getSiblingDB(${JSON.stringify(database)}).getCollection(${JSON.stringify(into)}).insertMany(<documents of ${entry.dataFile}>, { ordered: true })`);
      if (!ctx.dryRun) {
        const { stream, file } = openData(dump.dir, entry);
        const fileSize = (await fs.stat(join(dump.dir, entry.dataFile))).size;
        let batch: Document[] = [];
        let batchBytes = 0;
        let inserted = 0;
        const flush = async () => {
          if (!batch.length) return;
          ctx.throwIfAborted();
          await db.collection(into).insertMany(batch, { ordered: true, bypassDocumentValidation: options.bypassDocumentValidation === true });
          inserted += batch.length;
          batch = [];
          batchBytes = 0;
          const done = bytesRead + file.bytesRead;
          ctx.progress({ bytes: done, percent: totalBytes ? Math.min(99, Math.floor((done / totalBytes) * 100)) : undefined });
        };
        try {
          for await (const raw of readBsonDocuments(stream)) {
            batch.push(BSON.deserialize(raw, EXACT));
            batchBytes += raw.length;
            if (batch.length >= (options.batchSize ?? 1000) || batchBytes >= MAX_BATCH_BYTES) await flush();
          }
          await flush();
        } finally {
          stream.destroy();
          file.destroy();
        }
        bytesRead += fileSize;
        documents += inserted;
        ctx.message(`restored ${database}.${target}: ${inserted} document(s)`);
      }
    }
    const indexes = entry.metadata.indexes.filter((i) => i.name !== '_id_');
    if (indexes.length && !options.noIndexRestore) await run(createIndexes(database, target, indexes));
  }
  const views = orderViews(plan.filter((p) => p.entry.metadata.type === 'view').map((p) => p.entry));
  for (const v of views) {
    const target = plan.find((p) => p.entry === v)!.target;
    const o = { ...v.metadata.options };
    if (typeof o.viewOn === 'string') o.viewOn = renameCollection(o.viewOn, from, to);
    await run(createCollection(database, target, o));
  }
  ctx.progress({ percent: 100, bytes: totalBytes });
  const message = `restored ${tables.length} collection(s) and ${views.length} view(s), ${documents} document(s), into ${database} from ${dump.dir}`;
  return { message: ctx.dryRun ? `would restore ${plan.length} collection(s) and views into ${database} from ${dump.dir}` : message };
}

/**
 * Verifies the dump at `source` (see the module comment).
 *
 * ### Examples
 * ```ts
 * const { data } = await verifyDump(ctx, '/backups/app');
 * console.log(data?.entries); // documents
 * ```
 */
export async function verifyDump(ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
  const dump = await readDumpFolder(source);
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  let total = 0;
  for (const entry of dump.entries) {
    ctx.throwIfAborted();
    if (!entry.dataFile) {
      if (entry.metadata.type !== 'view') problems.push(`${entry.name}: no data file`);
      continue;
    }
    let n = 0;
    const { stream, file } = openData(dump.dir, entry);
    try {
      for await (const raw of readBsonDocuments(stream)) {
        BSON.deserialize(raw, EXACT);
        n++;
      }
    } catch (e) {
      problems.push(`${entry.dataFile}: ${(e as Error).message}`);
    } finally {
      stream.destroy();
      file.destroy();
    }
    counts[entry.name] = n;
    total += n;
  }
  for (const c of dump.manifest?.collections ?? []) {
    if (c.type === 'view') continue;
    if (counts[c.name] === undefined) problems.push(`${c.name}: in the manifest but not in the dump`);
    else if (counts[c.name] !== c.documents) problems.push(`${c.name}: ${counts[c.name]} document(s), the manifest says ${c.documents}`);
  }
  if (problems.length) {
    throw new ValidationError('Invalid backup', problems.map((message) => ({ path: '/source', message })), { engine: 'mongodb', operation: 'verifyBackup', hint: 'take a new backup: this one is damaged or incomplete' });
  }
  return {
    message: `${dump.dir}: ${dump.entries.length} collection(s), ${total} document(s), every document read${dump.manifest ? ', counts match the manifest' : ''}`,
    data: { source: dump.dir, valid: true, entries: total, details: { database: dump.database, collections: counts, manifest: dump.manifest !== undefined, pointInTime: dump.manifest?.pointInTime } },
  };
}

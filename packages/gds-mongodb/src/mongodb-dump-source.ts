/**
 * A dump to restore or verify, whatever mongodump wrote it as:
 * - a folder in the mongodump directory layout (`mongodump --out dump` gives `dump/<db>/...`;
 *   the root or a database folder may be given, `sourceDatabase` picks one of several). A root
 *   `oplog.bson` (`mongodump --oplog`) is the oplog of the dump, never a collection and never a
 *   reason to take the root for a database folder; it is not replayed, and the result says so.
 * - a `mongodump --archive` file, plain or gzipped (see mongodb-archive.ts).
 * Users and roles (`$admin.system.users.bson`, `$admin.system.roles.bson`, or `admin.system.*`
 * in an archive) are not restored: {@link DumpSource.skipped} names them, and the restore says
 * so.
 *
 * {@link verifySource} reads every document (framing, and that each decodes) and compares the
 * counts with gds's manifest when there is one; restore calls it before touching the server.
 *
 * @module
 */
import { createReadStream, promises as fs, type ReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ValidationError } from '@gds/database';
import type { OperationContext } from '@gds/database/engine';
import { BSON } from 'mongodb';
import { ARCHIVE_MAGIC, GZIP_MAGIC, readArchive } from './mongodb-archive.js';
import { MANIFEST_FILE, parseMetadata, readBsonDocuments, unescapeCollectionName, type BackupManifest, type DumpMetadata } from './mongodb-dump-layout.js';

const EXACT = { promoteValues: false, bsonRegExp: true } as const;

/** One collection found in a dump. */
export interface DumpEntry {
  /** Its name in the dump. */
  name: string;
  /** The parsed metadata (defaults when the dump has only a .bson). */
  metadata: DumpMetadata;
  /** The data file (folder dumps), absent for views. */
  dataFile?: string;
  /** Whether its files are gzipped (folder dumps). */
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
  /** What is in the dump but not restored (users, roles, the oplog), one line each. */
  skipped: string[];
}

/** A dump of either form, ready to be verified and read. */
export interface DumpSource extends DumpFolder {
  /** `directory` or `archive`. */
  kind: 'directory' | 'archive';
  /** The file or folder given. */
  location: string;
  /** Every document of the chosen database, in the dump's order, with its collection's name in the dump. */
  documents(): AsyncGenerator<{ name: string; raw: Buffer }>;
  /** Folder dumps: the documents of one entry's file. */
  documentsOf?(entry: DumpEntry): AsyncGenerator<Buffer>;
}

const invalidSource = (message: string) => new ValidationError('Invalid backup source', [{ path: '/source', message }], { engine: 'mongodb', hint: 'give a mongodump folder (or a database folder of it), or a mongodump --archive file' });

async function isDir(path: string): Promise<boolean> {
  return (await fs.stat(path).catch(() => undefined))?.isDirectory() === true;
}

const isDumpFile = (name: string) => /\.(bson|metadata\.json)(\.gz)?$/.test(name);
const isRootOplog = (name: string) => /^oplog\.bson(\.gz)?$/.test(name);
const isAuthFile = (name: string) => /^\$admin\.system\.(users|roles|version)\.(bson|metadata\.json)(\.gz)?$/.test(name);

/**
 * Finds the database folder in `source` (a dump root with one or more database folders, or a
 * database folder) and reads its metadata files.
 *
 * ### Examples
 * ```ts
 * const dump = await readDumpFolder('/backups/app');
 * console.log(dump.database, dump.entries.map((e) => e.name), dump.skipped);
 * ```
 */
export async function readDumpFolder(source: string, sourceDatabase?: string): Promise<DumpFolder> {
  const root = resolve(source);
  if (!(await isDir(root))) throw invalidSource(`${root} is not a folder (a MongoDB dump is a folder of .bson and .metadata.json files)`);
  const manifestText = await fs.readFile(join(root, MANIFEST_FILE), 'utf8').catch(() => undefined);
  let manifest: BackupManifest | undefined;
  try {
    manifest = manifestText ? (JSON.parse(manifestText) as BackupManifest) : undefined;
  } catch {
    throw invalidSource(`${join(root, MANIFEST_FILE)} is not valid JSON`);
  }
  const names = await fs.readdir(root);
  const skipped: string[] = [];
  if (names.some(isRootOplog)) skipped.push(`${join(root, names.find(isRootOplog)!)}: the oplog of mongodump --oplog is not replayed (the collections are restored as dumped; use mongorestore --oplogReplay for the point-in-time state)`);
  const folders: string[] = [];
  for (const n of names) if (await isDir(join(root, n))) folders.push(n);
  let dir: string;
  if (sourceDatabase !== undefined && folders.includes(sourceDatabase)) {
    dir = join(root, sourceDatabase);
  } else if (names.some((n) => isDumpFile(n) && !isRootOplog(n))) {
    dir = root;
  } else {
    const pick = sourceDatabase ?? manifest?.database ?? (folders.length === 1 ? folders[0] : undefined);
    if (!pick) throw invalidSource(folders.length === 0 ? `${root} holds no database folder and no .bson/.metadata.json files` : `${root} holds several databases (${folders.join(', ')}): pass sourceDatabase`);
    if (!folders.includes(pick)) throw invalidSource(`${root} has no folder for database '${pick}' (it has: ${folders.join(', ') || 'none'})`);
    dir = join(root, pick);
  }
  const files = await fs.readdir(dir);
  const byName = new Map<string, DumpEntry>();
  for (const file of files.filter((f) => /\.metadata\.json(\.gz)?$/.test(f) && !isAuthFile(f)).sort()) {
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
    if (isAuthFile(file)) {
      skipped.push(`${join(dir, file)}: users and roles are not restored by gds (use mongorestore --restoreDbUsersAndRoles)`);
      continue;
    }
    const stem = file.replace(/\.bson(\.gz)?$/, '');
    if (stem.startsWith('system.buckets.')) continue;
    const name = unescapeCollectionName(stem);
    if (!byName.has(name)) byName.set(name, { name, metadata: { options: {}, indexes: [], type: 'collection' }, dataFile: file, gzip: file.endsWith('.gz') });
  }
  return { dir, database: manifest?.database ?? dir.split(/[\\/]/).pop() ?? '', manifest, entries: [...byName.values()], skipped };
}

function openFile(path: string, gzip: boolean): { stream: Readable; file: ReadStream } {
  const file = createReadStream(path);
  if (!gzip) return { stream: file, file };
  const gunzip = createGunzip();
  file.on('error', (e) => gunzip.destroy(e));
  return { stream: file.pipe(gunzip), file };
}

function folderSource(folder: DumpFolder, location: string): DumpSource {
  async function* documentsOf(entry: DumpEntry): AsyncGenerator<Buffer> {
    if (!entry.dataFile) return;
    const { stream, file } = openFile(join(folder.dir, entry.dataFile), entry.gzip);
    try {
      yield* readBsonDocuments(stream);
    } finally {
      stream.destroy();
      file.destroy();
    }
  }
  return {
    ...folder,
    kind: 'directory',
    location,
    documentsOf,
    async *documents() {
      for (const entry of folder.entries) for await (const raw of documentsOf(entry)) yield { name: entry.name, raw };
    },
  };
}

const AUTH_COLLECTIONS = new Set(['system.users', 'system.roles', 'system.version']);

async function archiveSource(path: string, gzip: boolean, sourceDatabase: string | undefined): Promise<DumpSource> {
  const entries = new Map<string, DumpEntry>();
  const databases = new Set<string>();
  const skipped: string[] = [];
  const { stream, file } = openFile(path, gzip);
  try {
    for await (const item of readArchive(stream)) {
      if (item.kind === 'document' || item.kind === 'eof') break; // the prelude is all we need here
      if (item.kind !== 'collection') continue;
      const c = item.collection;
      if ((c.db === 'admin' && AUTH_COLLECTIONS.has(c.collection)) || c.collection.startsWith('$admin.')) {
        skipped.push(`${path}: ${c.db}.${c.collection}: users and roles are not restored by gds (use mongorestore --restoreDbUsersAndRoles)`);
        continue;
      }
      if (c.collection === 'oplog' && (c.db === '' || c.db === 'local')) {
        skipped.push(`${path}: the oplog of mongodump --oplog is not replayed (use mongorestore --oplogReplay for the point-in-time state)`);
        continue;
      }
      databases.add(c.db);
      let metadata: DumpMetadata;
      try {
        metadata = c.metadata ? parseMetadata(c.metadata) : { options: {}, indexes: [], type: 'collection' };
      } catch (e) {
        throw invalidSource(`${path}: the metadata of ${c.db}.${c.collection} is not readable: ${(e as Error).message}`);
      }
      entries.set(`${c.db}\u0000${c.collection}`, { name: c.collection, metadata, gzip });
    }
  } catch (e) {
    if (ValidationError.isInstance(e)) throw e;
    throw invalidSource(`${path} is not a readable mongodump archive: ${(e as Error).message}`);
  } finally {
    stream.destroy();
    file.destroy();
  }
  const list = [...databases].sort();
  const database = sourceDatabase ?? (list.length === 1 ? list[0] : undefined);
  if (database === undefined) throw invalidSource(list.length === 0 ? `${path} holds no collection` : `${path} holds several databases (${list.join(', ')}): pass sourceDatabase`);
  if (!databases.has(database)) throw invalidSource(`${path} has no database '${database}' (it has: ${list.join(', ')})`);
  const mine = [...entries.entries()].filter(([k]) => k.startsWith(`${database}\u0000`)).map(([, e]) => e);
  for (const e of mine) if (e.metadata.type !== 'view') e.dataFile = e.metadata.type === 'timeseries' ? `system.buckets.${e.name}` : e.name;
  return {
    kind: 'archive',
    location: path,
    dir: path,
    database,
    entries: mine,
    skipped,
    async *documents() {
      const { stream: s, file: f } = openFile(path, gzip);
      try {
        for await (const item of readArchive(s)) {
          if (item.kind !== 'document' || item.db !== database) continue;
          const name = item.collection.startsWith('system.buckets.') ? item.collection.slice('system.buckets.'.length) : item.collection;
          if (mine.some((e) => e.name === name)) yield { name, raw: item.raw };
        }
      } finally {
        s.destroy();
        f.destroy();
      }
    },
  };
}

/**
 * Opens the dump at `source`: a folder (see {@link readDumpFolder}) or a mongodump archive file
 * (gzipped or not); anything else is refused with ValidationError.
 *
 * ### Examples
 * ```ts
 * const dump = await openDump('/backups/app.archive.gz');
 * for await (const { name, raw } of dump.documents()) console.log(name, raw.length);
 * ```
 */
export async function openDump(source: string, sourceDatabase?: string): Promise<DumpSource> {
  const location = resolve(source);
  const stat = await fs.stat(location).catch(() => undefined);
  if (!stat) throw invalidSource(`${location} does not exist`);
  if (stat.isDirectory()) return folderSource(await readDumpFolder(location, sourceDatabase), location);
  if (!stat.isFile()) throw invalidSource(`${location} is neither a folder nor a file`);
  const head = Buffer.alloc(4);
  const handle = await fs.open(location, 'r');
  let read: number;
  try {
    read = (await handle.read(head, 0, 4, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  if (read >= 4 && head.equals(ARCHIVE_MAGIC)) return archiveSource(location, false, sourceDatabase);
  if (read >= 2 && head.subarray(0, 2).equals(GZIP_MAGIC)) return archiveSource(location, true, sourceDatabase);
  throw invalidSource(`${location} is ${stat.size === 0 ? 'an empty file' : 'a file that is not a mongodump archive (no archive magic number, not gzip)'}`);
}

/** What {@link verifySource} found. */
export interface SourceCheck {
  /** Documents per collection (name in the dump). */
  counts: Record<string, number>;
  /** All documents. */
  total: number;
  /** What is wrong, one line each; empty when the dump is whole. */
  problems: string[];
}

/**
 * Reads every document of the dump (framing, and a full decode of each), and compares the
 * counts with gds's manifest when there is one.
 *
 * ### Examples
 * ```ts
 * const { problems } = await verifySource(ctx, await openDump(path));
 * ```
 */
export async function verifySource(ctx: OperationContext, dump: DumpSource): Promise<SourceCheck> {
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  let total = 0;
  for (const e of dump.entries) {
    if (e.dataFile) counts[e.name] = 0;
    else if (e.metadata.type !== 'view') problems.push(`${e.name}: no data file`);
  }
  const read = async (label: string, docs: AsyncIterable<{ name: string; raw: Buffer }>) => {
    try {
      for await (const { name, raw } of docs) {
        if (total % 1000 === 0) ctx.throwIfAborted();
        try {
          BSON.deserialize(raw, EXACT);
        } catch (e) {
          problems.push(`${label}: document ${counts[name] ?? 0} of ${name} does not decode: ${(e as Error).message}`);
          return;
        }
        counts[name] = (counts[name] ?? 0) + 1;
        total++;
      }
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      problems.push(`${label}: ${(e as Error).message}`);
    }
  };
  if (dump.documentsOf) {
    for (const e of dump.entries) {
      if (!e.dataFile) continue;
      const of = dump.documentsOf(e);
      await read(e.dataFile, (async function* () {
        for await (const raw of of) yield { name: e.name, raw };
      })());
    }
  } else {
    await read(dump.location, dump.documents());
  }
  for (const c of dump.manifest?.collections ?? []) {
    if (c.type === 'view') continue;
    if (counts[c.name] === undefined) problems.push(`${c.name}: in the manifest but not in the dump`);
    else if (counts[c.name] !== c.documents) problems.push(`${c.name}: ${counts[c.name]} document(s), the manifest says ${c.documents}`);
  }
  return { counts, total, problems };
}

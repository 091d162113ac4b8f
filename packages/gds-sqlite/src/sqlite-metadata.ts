/**
 * The SQLite metadata of a database: what the file system says about the file and its
 * companions, and what SQLite says in its header and pragmas.
 *
 * @module
 */
import { promises as fs, type Stats } from 'node:fs';
import { basename } from 'node:path';
import type { DatabaseMetadata } from '@gds/database';

/** The companion files SQLite keeps next to a database file. */
export const COMPANIONS = Object.freeze(['-wal', '-shm', '-journal'] as const);

/**
 * An SQLite database's metadata. `sizeBytes` is the file plus its companions.
 *
 * ### Examples
 * ```ts
 * const m = await db.getMetadata();
 * console.log(m.file, m.pageSize * m.pageCount, m.journalMode, m.tableCount);
 * ```
 */
export interface SQLiteDatabaseMetadata extends DatabaseMetadata {
  type: 'sqlite';
  /** The database file. */
  file: string;
  /** Sizes in bytes of the file and of each companion that exists. */
  files: { main: number; wal?: number; shm?: number; journal?: number };
  /** When the file was last modified (from the file system). */
  modified: Date;
  /** Page size in bytes. */
  pageSize: number;
  /** Pages in the file. */
  pageCount: number;
  /** Unused pages (VACUUM returns them). */
  freelistPages: number;
  /** `wal`, `delete`... (`wal` is kept in the file; the others are per connection). */
  journalMode: string;
  /** `none`, `full` or `incremental`. */
  autoVacuum: 'none' | 'full' | 'incremental';
  /** Text encoding. */
  encoding: string;
  /** PRAGMA user_version. */
  userVersion: number;
  /** PRAGMA application_id. */
  applicationId: number;
  /** PRAGMA schema_version (changes with every schema change). */
  schemaVersion: number;
  /** User tables (not views, not SQLite's own). */
  tableCount: number;
}

/** The row of the metadata read. */
export interface MetadataRow {
  pageSize: number;
  pageCount: number;
  freelistPages: number;
  journalMode: string;
  autoVacuum: number;
  encoding: string;
  userVersion: number;
  applicationId: number;
  schemaVersion: number;
  tableCount: number;
}

const AUTO_VACUUM = ['none', 'full', 'incremental'] as const;

/** The sizes of the file and its companions (missing companions left out). */
export async function fileSizes(file: string): Promise<SQLiteDatabaseMetadata['files'] & { total: number; stat: Stats }> {
  const stat = await fs.stat(file);
  const sizes: SQLiteDatabaseMetadata['files'] = { main: stat.size };
  let total = stat.size;
  for (const suffix of COMPANIONS) {
    const s = await fs.stat(`${file}${suffix}`).catch(() => undefined);
    if (s) {
      sizes[suffix.slice(1) as 'wal' | 'shm' | 'journal'] = s.size;
      total += s.size;
    }
  }
  return { ...sizes, total, stat };
}

/**
 * Builds the metadata from the pragma row and the file system.
 *
 * ### Examples
 * ```ts
 * const m = await toMetadata('app', '/data/app.db', row);
 * ```
 */
export async function toMetadata(name: string, file: string, row: MetadataRow): Promise<SQLiteDatabaseMetadata> {
  const { total, stat, ...files } = await fileSizes(file);
  const born = stat.birthtimeMs > 0 ? stat.birthtime : undefined;
  return {
    name,
    type: 'sqlite',
    ...(born ? { created: born } : {}),
    sizeBytes: total,
    state: 'online',
    accessMode: 'multi_user',
    file,
    files,
    modified: stat.mtime,
    pageSize: Number(row.pageSize),
    pageCount: Number(row.pageCount),
    freelistPages: Number(row.freelistPages),
    journalMode: String(row.journalMode).toLowerCase(),
    autoVacuum: AUTO_VACUUM[Number(row.autoVacuum)] ?? 'none',
    encoding: row.encoding,
    userVersion: Number(row.userVersion),
    applicationId: Number(row.applicationId),
    schemaVersion: Number(row.schemaVersion),
    tableCount: Number(row.tableCount),
    additionalAttributes: { fileName: basename(file) },
  };
}

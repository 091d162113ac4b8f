/**
 * The metadata of a MySQL/MariaDB database, from one information_schema row
 * ({@link metadataStatement}): character set, collation, size (data + index), table and view
 * counts, read-only state (MySQL 8.0.22+) and default encryption (MySQL 8.0.16+).
 *
 * MySQL and MariaDB databases have no owner (privileges are granted to accounts per database):
 * `owner` is always undefined and `additionalAttributes.owner` says so. Neither records when a
 * database was created: `created` is undefined.
 *
 * @module
 */
import { AccessMode, DatabaseState, type DatabaseMetadata } from '@gds/database';
import type { MySQLConnection, ServerInfo } from './mysql-connection.js';
import { freshStatistics, metadataStatement } from './mysql-statements.js';

/** What `additionalAttributes.owner` says: there is none. */
export const NO_OWNER = 'none: MySQL and MariaDB databases have no owner (privileges are granted to accounts)';

/**
 * A MySQL/MariaDB database's metadata.
 *
 * ### Examples
 * ```ts
 * const m = await db.getMetadata();
 * console.log(m.characterSet, m.sizeBytes, m.additionalAttributes.readOnly);
 * ```
 */
export interface MySQLDatabaseMetadata extends DatabaseMetadata {
  /** The default character set (`DEFAULT_CHARACTER_SET_NAME`). */
  characterSet: string;
  /** The default collation. */
  collation: string;
  /** Data + index bytes of its tables (information_schema.TABLES; InnoDB's figures are estimates). */
  sizeBytes: number;
  additionalAttributes: {
    /** `DATA_LENGTH` summed. */
    dataBytes: number;
    /** `INDEX_LENGTH` summed. */
    indexBytes: number;
    /** Base tables (and MariaDB system-versioned tables). */
    tableCount: number;
    /** Views. */
    viewCount: number;
    /** `ALTER SCHEMA ... READ ONLY` (MySQL 8.0.22+); `undefined` where the server has none. */
    readOnly: boolean | undefined;
    /** `DEFAULT_ENCRYPTION` (MySQL 8.0.16+); `undefined` where the server has none. */
    defaultEncryption: boolean | undefined;
    /** Always {@link NO_OWNER}. */
    owner: string;
    /** Whether it is one of the server's own (mysql, information_schema, performance_schema, sys). */
    system: boolean;
    [key: string]: unknown;
  };
}

/** One row of {@link metadataStatement}. */
export interface MetadataRow {
  name: string;
  charset: string;
  collation: string;
  dataBytes: number | string;
  indexBytes: number | string;
  tableCount: number | string;
  viewCount: number | string;
  options: string | null;
  defaultEncryption: string | null;
}

/**
 * Turns a row into the metadata (`system`: whether the name is a system database).
 *
 * ### Examples
 * ```ts
 * rowToMetadata({ name: 'app', charset: 'utf8mb4', collation: 'utf8mb4_bin', dataBytes: 16384, indexBytes: 0, tableCount: 1, viewCount: 0, options: null, defaultEncryption: null }, false).sizeBytes; // 16384
 * ```
 */
export function rowToMetadata(row: MetadataRow, system: boolean, hasReadOnly = row.options !== null): MySQLDatabaseMetadata {
  const dataBytes = Number(row.dataBytes);
  const indexBytes = Number(row.indexBytes);
  return {
    name: row.name,
    type: 'mysql',
    characterSet: row.charset,
    collation: row.collation,
    sizeBytes: dataBytes + indexBytes,
    state: DatabaseState.ONLINE,
    accessMode: AccessMode.MULTI_USER,
    additionalAttributes: {
      dataBytes,
      indexBytes,
      tableCount: Number(row.tableCount),
      viewCount: Number(row.viewCount),
      readOnly: hasReadOnly ? /READ ONLY\s*=\s*1/i.test(row.options ?? '') : undefined,
      defaultEncryption: row.defaultEncryption === null ? undefined : row.defaultEncryption.toUpperCase() === 'YES',
      owner: NO_OWNER,
      system,
    },
  };
}

/**
 * The metadata rows of one database or all: one statement on MariaDB; on MySQL 8+ two in one
 * session (fresh statistics first, so sizes are not a day old). A constant number either way.
 *
 * ### Examples
 * ```ts
 * const rows = await fetchMetadataRows(conn, await conn.serverInfo(), 'app');
 * ```
 */
export function fetchMetadataRows(conn: MySQLConnection, info: ServerInfo, name: string | undefined, signal?: AbortSignal): Promise<MetadataRow[]> {
  const fresh = freshStatistics(info);
  const s = metadataStatement(info, name);
  if (!fresh) return conn.run<MetadataRow>(s, { signal });
  return conn.withSession(async (session) => {
    await session.run(fresh);
    return session.run<MetadataRow>(s);
  }, { signal });
}

/**
 * Verifying a mysqldump / mariadb-dump file without restoring it: the whole file is read
 * (decompressed when it is gzip or zstd: a cut or corrupt stream fails), scanned as the client
 * would read it (mysql-dump-scan.ts: no client commands), and must start with the dump tool's
 * header and end with its completion line `-- Dump completed[ on <date>]`, which mysqldump writes
 * only once everything was dumped. A `--compact` or `--skip-comments` dump has neither and is
 * refused: it cannot be told from a cut one.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError, type BackupVerification } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import { detectCompression, readDump, type Compression } from './mysql-compress.js';
import { DumpRefusal, DumpScanner, type DumpScan } from './mysql-dump-scan.js';

/** mysqldump's last line (client/mysqldump.c, `write_footer`): with the date unless --skip-dump-date. */
export const COMPLETION_LINE = /^-- Dump completed( on \d{4}-\d{2}-\d{2} {1,2}\d{1,2}:\d{2}:\d{2})?$/;

/** What reading a whole dump found. */
export interface DumpCheck {
  /** The file, absolute. */
  path: string;
  /** Its compression. */
  compression: Compression;
  /** Its size on disk. */
  fileBytes: number;
  /** Its size decompressed. */
  sqlBytes: number;
  /** The scan's findings. */
  scan: DumpScan;
}

const invalid = (operation: string, message: string, cause?: unknown) => new ValidationError('Invalid backup source', [{ path: '/source', message }], { engine: 'mysql', operation, cause });

/**
 * Reads the whole dump at `source` and throws a ValidationError naming the first problem: missing,
 * not a regular file, empty, not a dump, cut short, corrupt compression, or a client command.
 *
 * ### Examples
 * ```ts
 * const check = await checkDumpFile('/b/app.sql.gz', 'restore', signal);
 * check.scan.inserts; // 12
 * ```
 */
export async function checkDumpFile(source: string, operation: string, signal?: AbortSignal, onRead?: (bytes: number, of: number) => void): Promise<DumpCheck> {
  const path = resolve(source);
  const stat = await fs.stat(path).catch(() => undefined);
  if (!stat) throw invalid(operation, `${path} does not exist`);
  if (!stat.isFile()) throw invalid(operation, `${path} is not a regular file`);
  if (stat.size === 0) throw invalid(operation, `${path} is empty (0 bytes)`);
  const compression = await detectCompression(path);
  const scanner = new DumpScanner();
  let sqlBytes = 0;
  let scan: DumpScan;
  try {
    for await (const chunk of readDump(path, compression, signal, (n) => onRead?.(n, stat.size))) {
      sqlBytes += chunk.length;
      scanner.push(chunk);
    }
    scan = scanner.end();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof DumpRefusal) throw invalid(operation, `${path}: ${error.message}; refused before anything ran`, error);
    if (compression !== 'none') throw invalid(operation, `${path} is not a readable ${compression} stream (${(error as Error).message}): it is cut short or corrupt`, error);
    throw error;
  }
  if (!scan.header) throw invalid(operation, `${path} is not a mysqldump / mariadb-dump file (no '-- MySQL dump' or '-- MariaDB dump' header line)`);
  if (!COMPLETION_LINE.test(scan.lastLine)) {
    throw invalid(operation, `${path} does not end with the dump tool's '-- Dump completed' line: it is incomplete (or was made with --compact / --skip-comments, which cannot be told from a cut dump)`);
  }
  return { path, compression, fileBytes: stat.size, sqlBytes, scan };
}

/**
 * `verifyBackup()`: {@link checkDumpFile}, and the counts it found.
 *
 * ### Examples
 * ```ts
 * const { data } = await verifyDump(ctx, '/b/app.sql');
 * data?.entries; // statements
 * ```
 */
export async function verifyDump(ctx: OperationContext, source: string): Promise<OperationOutcome<BackupVerification>> {
  const check = await checkDumpFile(source, 'verifyBackup', ctx.signal);
  const { scan } = check;
  return {
    message: `${check.path}: complete dump (${check.compression === 'none' ? 'plain SQL' : check.compression}, ${check.sqlBytes} bytes of SQL, ${scan.statements} statements, ${scan.tables} tables), no client commands`,
    data: {
      source: check.path,
      valid: true,
      entries: scan.statements,
      details: { compression: check.compression, fileBytes: check.fileBytes, sqlBytes: check.sqlBytes, tables: scan.tables, inserts: scan.inserts, header: scan.header, sandboxLine: scan.sandboxLine, completion: scan.lastLine },
    },
  };
}

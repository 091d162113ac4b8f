/**
 * A pg_dump backup to restore or verify: its format, told by looking at it
 * ({@link detectDumpFormat}), whether a folder is a directory-format dump that `overwrite` may
 * replace ({@link isDirectoryDump}), and the read of the whole dump that comes before a restore
 * changes anything ({@link readWholeDump}) or stands instead of one ({@link verifyDump}, which
 * `verifyBackup` runs). A plain SQL dump is scanned (postgres-plain-dump.ts); the other formats
 * are read by pg_restore, after the structural checks of tar and directory dumps
 * (postgres-verify.ts).
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExternalToolError, ValidationError, type BackupVerification } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import type { PostgreSQLConnection } from './postgres-connection.js';
import { PlainDumpRefusal, scanPlainDump, type PlainDumpScan } from './postgres-plain-dump.js';
import { checkDirectoryDump, checkTarDump, DumpStructureError } from './postgres-verify.js';
import { commandLine, findTool, runTool, toolEnv, type PgTool } from './postgres-tools.js';

/** The formats pg_dump writes. */
export type DumpFormat = 'custom' | 'directory' | 'tar' | 'plain';

/**
 * Tells the format of a dump by looking at it: a folder with `toc.dat` is `directory`, a file
 * starting with `PGDMP` is `custom`, a tar header is `tar`, anything else is `plain` SQL.
 *
 * ### Examples
 * ```ts
 * await detectDumpFormat('/backups/app.dump'); // 'custom'
 * ```
 */
export async function detectDumpFormat(path: string): Promise<DumpFormat> {
  const stat = await fs.stat(path).catch(() => undefined);
  if (!stat) throw new ValidationError('Invalid backup source', [{ path: '/source', message: `${path} does not exist` }], { engine: 'postgresql' });
  if (stat.isDirectory()) {
    await fs.access(join(path, 'toc.dat')).catch(() => {
      throw new ValidationError('Invalid backup source', [{ path: '/source', message: `${path} is a folder without toc.dat, not a pg_dump directory dump` }]);
    });
    return 'directory';
  }
  const handle = await fs.open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (bytesRead >= 5 && head.subarray(0, 5).toString('latin1') === 'PGDMP') return 'custom';
    if (bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return 'plain';
  } finally {
    await handle.close();
  }
}

const DIRECTORY_DUMP_FILE = /^(toc\.dat|\d+\.dat(\.gz|\.lz4|\.zst)?|blobs(_\d+)?\.toc|blob_\d+\.dat(\.gz|\.lz4|\.zst)?)$/;

/**
 * Whether `path` is a folder pg_dump wrote with `--format=directory`: a `toc.dat` starting with
 * `PGDMP`, and nothing but pg_dump's own files (`<id>.dat[.gz|.lz4|.zst]`, `blobs*.toc`,
 * `blob_<oid>.dat`): only such a folder may be replaced by `overwrite`.
 *
 * ### Examples
 * ```ts
 * await isDirectoryDump('/backups/app.dir'); // true
 * ```
 */
export async function isDirectoryDump(path: string): Promise<boolean> {
  const entries = await fs.readdir(path, { withFileTypes: true }).catch(() => undefined);
  if (!entries?.some((e) => e.name === 'toc.dat')) return false;
  if (!entries.every((e) => e.isFile() && DIRECTORY_DUMP_FILE.test(e.name))) return false;
  const handle = await fs.open(join(path, 'toc.dat'), 'r');
  try {
    const head = Buffer.alloc(5);
    await handle.read(head, 0, 5, 0);
    return head.toString('latin1') === 'PGDMP';
  } finally {
    await handle.close();
  }
}

/**
 * Reads the whole dump before anything changes: a plain dump is scanned (no psql meta-commands,
 * pg_dump's header and completion line); any other format is read by `pg_restore --list` and
 * `pg_restore --file=/dev/null` (every data block, so a truncated or corrupted file fails here).
 *
 * ### Examples
 * ```ts
 * const read = await readWholeDump(ctx, conn, '/backups/app.dump', 'custom', pgRestore); // { entries, tables }
 * ```
 */
export async function readWholeDump(ctx: OperationContext, conn: PostgreSQLConnection, path: string, format: DumpFormat, tool: PgTool): Promise<{ entries: number; tables: number; scan?: PlainDumpScan }> {
  if (format === 'plain') {
    const scan = await checkPlainDump(path, ctx.operation);
    return { entries: scan.entries, tables: scan.copyBlocks, scan };
  }
  const argv = recordReads(ctx, tool, path);
  const entries = await listEntries(tool, argv.list, conn, ctx.signal).catch((error: unknown) => {
    throw unreadable(path, error, ctx.operation);
  });
  // the structure first: pg_restore can wait for ever on a tar dump cut inside a member
  await checkStructure(path, format, entries, ctx.operation);
  await runTool(tool, argv.readAll, { env: toolEnv(conn.config), signal: ctx.signal }).catch((error: unknown) => {
    throw unreadable(path, error, ctx.operation);
  });
  return { entries: entries.length, tables: entries.filter((l) => / TABLE DATA /.test(l)).length };
}

/** The checks pg_restore does not make (postgres-verify.ts): a truncated tar or directory dump is refused. */
async function checkStructure(path: string, format: DumpFormat, entries: readonly string[], operation: string): Promise<void> {
  try {
    if (format === 'tar') await checkTarDump(path, entries);
    else if (format === 'directory') await checkDirectoryDump(path, entries);
  } catch (error) {
    if (error instanceof DumpStructureError) throw new ValidationError('Invalid backup source', [{ path: '/source', message: `${path}: ${error.message}` }], { engine: 'postgresql', operation });
    throw error;
  }
}

function unreadable(path: string, error: unknown, operation: string): unknown {
  if (!ExternalToolError.isInstance(error)) return error;
  return new ExternalToolError(`${path} is not a readable pg_dump backup: ${error.message}`, { tool: error.tool, engine: 'postgresql', operation, exitCode: error.exitCode, stderr: error.stderr, cause: error });
}

/** Scans a plain dump (see postgres-plain-dump.ts) and checks pg_dump's completion line. */
async function checkPlainDump(path: string, operation: string): Promise<PlainDumpScan> {
  const invalid = (message: string) => new ValidationError('Invalid backup source', [{ path: '/source', message }], { engine: 'postgresql', operation });
  let scan: PlainDumpScan;
  try {
    scan = await scanPlainDump(path);
  } catch (error) {
    if (error instanceof PlainDumpRefusal) throw invalid(error.message);
    throw error;
  }
  const handle = await fs.open(path, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(Math.min(size, 1_024));
    await handle.read(tail, 0, tail.length, size - tail.length);
    // the completion comment is followed by '--', blank lines and, since the 2025 security releases, \unrestrict
    const text = tail.toString('utf8');
    const at = text.lastIndexOf('-- PostgreSQL database dump complete\n');
    const after = at < 0 ? undefined : text.slice(at + '-- PostgreSQL database dump complete\n'.length);
    if (after === undefined || !after.split('\n').every((l) => l === '' || l === '--' || /^\\unrestrict [A-Za-z0-9]+$/.test(l))) throw invalid(`${path} is a plain SQL dump without pg_dump's completion line: it is incomplete`);
  } finally {
    await handle.close();
  }
  return scan;
}

/**
 * pg_restore's two reads of a whole dump (its table of contents, then every data block), recorded with the argv that runs.
 *
 * ### Examples
 * ```ts
 * const argv = recordReads(ctx, pgRestore, '/backups/app.dump'); // { list: ['--list', ...], readAll: ['--file=/dev/null', ...] }
 * ```
 */
export function recordReads(ctx: OperationContext, tool: PgTool, path: string): { list: string[]; readAll: string[] } {
  const argv = { list: ['--list', path], readAll: ['--file=/dev/null', path] };
  ctx.record(commandLine(tool.path, argv.list));
  ctx.record(commandLine(tool.path, argv.readAll));
  return argv;
}

async function listEntries(tool: PgTool, argv: readonly string[], conn: PostgreSQLConnection, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await runTool(tool, argv, { env: toolEnv(conn.config), signal });
  return stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';'));
}

/**
 * Checks a dump without restoring it, and rejects when it is bad (so that a forgotten check of
 * `valid` cannot hide a broken backup): for custom, directory and tar dumps `pg_restore --list`
 * reads the table of contents and `pg_restore --file=/dev/null` reads every data block (a
 * truncated file fails there, though its table of contents is intact); a plain SQL dump must start
 * with pg_dump's header, end with its completion line and hold no psql meta-command.
 *
 * ### Examples
 * ```ts
 * const { data } = await verifyDump(ctx, conn, '/backups/app.dump', {});
 * console.log(data?.entries);
 * ```
 */
export async function verifyDump(ctx: OperationContext, conn: PostgreSQLConnection, source: string, options: { binDir?: string }): Promise<OperationOutcome<BackupVerification>> {
  const path = resolve(source);
  const format = await detectDumpFormat(path);
  if (format === 'plain') {
    const scan = await checkPlainDump(path, 'verifyBackup');
    return { message: `${path}: complete plain SQL dump, ${scan.entries} entries, no psql meta-commands`, data: { source: path, valid: true, entries: scan.entries, details: { format, copyBlocks: scan.copyBlocks } } };
  }
  const tool = await findTool('pg_restore', { binDir: options.binDir ?? conn.config.binDir });
  const argv = recordReads(ctx, tool, path);
  const entries = await listEntries(tool, argv.list, conn, ctx.signal);
  await checkStructure(path, format, entries, 'verifyBackup'); // first: see readWholeDump
  await runTool(tool, argv.readAll, { env: toolEnv(conn.config), signal: ctx.signal });
  const tables = entries.filter((l) => / TABLE DATA /.test(l)).length;
  return { message: `${path}: ${entries.length} entries (${tables} with table data), ${format} format, every data block read`, data: { source: path, valid: true, entries: entries.length, details: { format, tablesWithData: tables } } };
}

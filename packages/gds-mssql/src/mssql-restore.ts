/**
 * RESTORE on SQL Server. Every path is on the SQL Server's own file system (the server reads the
 * files, not the machine gds runs on).
 *
 * Refuses an existing database unless `replace`, and one with other sessions unless `force`.
 * Restoring under another name than the backup's moves every file (from `FILELISTONLY`) to the
 * server's default folders, or to `relocate`'s. `logs` are applied in order with NORECOVERY until
 * the last; `stopAt` (STOPAT) stops them at a point in time.
 *
 * @module
 */
import { DatabaseInUseError, ValidationError } from '@gds/database';
import { createError, type OperationContext, type OperationOutcome } from '@gds/database/engine';
import { exists, run } from './mssql-backup.js';
import { VarChar, type MSSQLConnection } from './mssql-connection.js';
import { toServerTime } from './mssql-metadata.js';
import type { MSSQLRestoreOptions } from './mssql-options.js';
import { quoteIdentifier } from './mssql-quote.js';
import * as B from './mssql-backup-statements.js';
import * as S from './mssql-statements.js';
import { headersOf } from './mssql-verify.js';

// characters Windows refuses in file names, and control characters
// eslint-disable-next-line no-control-regex
const UNSAFE_FILE_CHARS = /[\\/:*?"<>|\u0000-\u001f]/g;

/**
 * Where a relocated file goes: `<folder>/<database>_<logical><ext>`, the extension kept from
 * the original file, characters a file name cannot hold replaced by `_`.
 *
 * ### Examples
 * ```ts
 * relocatedPath('/var/opt/mssql/data/', 'copy', 'app_log', '/old/app_log.ldf'); // '/var/opt/mssql/data/copy_app_log.ldf'
 * ```
 */
export function relocatedPath(folder: string, database: string, logical: string, original: string): string {
  const sep = folder.includes('\\') || /^[A-Za-z]:/.test(folder) ? '\\' : '/';
  const base = folder.replace(/[\\/]+$/, '');
  const file = original.split(/[\\/]/).pop() ?? '';
  const dot = file.lastIndexOf('.');
  const ext = dot > 0 ? file.slice(dot) : '';
  return `${base}${sep}${database.replace(UNSAFE_FILE_CHARS, '_')}_${logical.replace(UNSAFE_FILE_CHARS, '_')}${ext}`;
}

async function moves(ctx: OperationContext, conn: MSSQLConnection, name: string, source: string, o: MSSQLRestoreOptions): Promise<Array<{ logical: string; physical: string }>> {
  let dataFolder = o.relocate?.dataFolder;
  let logFolder = o.relocate?.logFolder ?? dataFolder;
  if (!dataFolder) {
    const rows = await conn.query<{ data_path: string | null; log_path: string | null }>(
      "SELECT CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS nvarchar(4000)) AS data_path, CAST(SERVERPROPERTY('InstanceDefaultLogPath') AS nvarchar(4000)) AS log_path",
      {},
      { signal: ctx.signal },
    );
    dataFolder = rows[0]?.data_path ?? undefined;
    logFolder = rows[0]?.log_path ?? dataFolder;
    if (!dataFolder) throw new ValidationError('Invalid options for restore', [{ path: '/relocate', message: 'the server reports no default data folder: pass relocate.dataFolder' }], { engine: 'mssql', operation: 'restore' });
  }
  const files = await conn.run<{ LogicalName: string; PhysicalName: string; Type: string }>(B.fileListOnly(source, o.fileNumber ?? 1), { signal: ctx.signal });
  return files.map((f) => ({ logical: f.LogicalName, physical: relocatedPath(f.Type === 'L' ? (logFolder ?? dataFolder) : dataFolder, name, f.LogicalName, f.PhysicalName) }));
}

async function stateOf(conn: MSSQLConnection, name: string, signal: AbortSignal): Promise<string | undefined> {
  return (await fullStateOf(conn, name, signal))?.state;
}

async function fullStateOf(conn: MSSQLConnection, name: string, signal: AbortSignal): Promise<{ state: string; inAg: boolean } | undefined> {
  const r = (await conn.run<{ state_desc: string; in_ag: number | null }>(S.databaseState(name), { signal }))[0];
  return r ? { state: r.state_desc, inAg: Number(r.in_ag) === 1 } : undefined;
}

function invalid(path: string, message: string, title = 'Invalid options for restore'): ValidationError {
  return new ValidationError(title, [{ path, message }], { engine: 'mssql', operation: 'restore' });
}

/**
 * Restores `name` from `source` (and `logs`), see the module comment.
 *
 * ### Examples
 * ```ts
 * await restoreDatabase(ctx, conn, 'app_copy', '/b/app.bak', {});
 * ```
 */
export async function restoreDatabase(ctx: OperationContext, conn: MSSQLConnection, name: string, source: string, o: MSSQLRestoreOptions): Promise<OperationOutcome> {
  if (o.force && !o.replace) throw invalid('/force', 'force ends the sessions of a database being replaced: it needs replace: true');
  const offset = await conn.utcOffsetMinutes(ctx.signal);
  const file = o.fileNumber ?? 1;
  const headers = await headersOf(conn, source, offset, ctx.signal);
  const header = headers.find((x) => x.position === file);
  if (!header) throw invalid('/fileNumber', `${source} has no backup set ${file} (it has ${headers.length})`, 'Invalid backup source');
  // RESTORE DATABASE takes full and differential sets; a log set needs RESTORE LOG (else 3135)
  const kind = header.backupType === 'transaction_log' ? 'LOG' : header.backupType === 'full' || header.backupType === 'differential' ? 'DATABASE' : undefined;
  if (!kind) throw invalid('/source', `backup set ${file} of ${source} is a ${header.backupType} backup: gds restores full, differential and log backups`, 'Invalid backup source');
  const logs = o.logs ?? [];
  if (o.stopAt !== undefined && kind === 'DATABASE' && logs.length === 0) {
    throw invalid('/stopAt', "stopAt needs the log backups that reach it (logs): STOPAT on a full or differential restore does not stop at that time, it only checks that the backup is not newer");
  }
  for (const log of logs) {
    const set = (await headersOf(conn, log, offset, ctx.signal))[0];
    if (set?.backupType !== 'transaction_log') throw invalid('/logs', `${log} holds a ${set?.backupType ?? 'no'} backup, not a transaction log backup`, 'Invalid backup source');
  }
  const present = await exists(conn, name, ctx.signal);
  const current = present ? await fullStateOf(conn, name, ctx.signal) : undefined;
  const before = current?.state;
  if (current?.inAg) {
    // RESTORE refuses a database joined to an availability group (1468)
    throw invalid('/replace', `${name} is joined to an availability group: remove it from the group first (ALTER AVAILABILITY GROUP ... REMOVE DATABASE)`, `Refusing to restore over '${name}'`);
  }
  if (kind === 'LOG' && before !== 'RESTORING') {
    throw invalid('/source', `${source} is a log backup: it applies only to a database left RESTORING (restore its full backup with norecovery first)${present ? `; ${name} is ${before ?? 'in an unknown state'}` : `; ${name} does not exist`}`, 'Invalid backup source');
  }
  if (present && kind === 'DATABASE' && !o.replace) {
    throw new ValidationError(`Refusing to restore over the existing database '${name}'`, [{ path: '/replace', message: 'pass replace: true to overwrite it (WITH REPLACE)' }], { engine: 'mssql', operation: 'restore' });
  }
  let sessions: number | undefined = 0;
  if (present && before === 'ONLINE') {
    const r = (await conn.run<{ n: number; sees: number | null }>(S.countSessions(name), { signal: ctx.signal }))[0];
    sessions = r?.sees === 0 ? undefined : Number(r?.n ?? 0);
    if (sessions !== undefined && sessions > 0 && !o.force) {
      throw new DatabaseInUseError(`${sessions} other session(s) use '${name}'`, { engine: 'mssql', operation: 'restore', sessions, hint: 'close them, or pass force: true to end them' });
    }
  }
  if (conn.currentDatabase?.toLowerCase() === name.toLowerCase()) await run(ctx, conn, S.useMaster());
  const replacing = present && kind === 'DATABASE';
  // SQL Server cannot restore aside and swap names: RESTORE ... WITH REPLACE overwrites in place.
  // So every backup set is read in full first (VERIFYONLY, and FILELISTONLY below), and nothing
  // of the existing database is touched until they all pass.
  if (replacing) {
    await run(ctx, conn, B.verifyOnly(source, file, o.checksum === true));
    for (const log of logs) await run(ctx, conn, B.verifyOnly(log, 1, o.checksum === true));
  }
  const relocate = kind === 'DATABASE' && (o.relocate !== undefined || header.databaseName !== name);
  const moved = relocate ? await moves(ctx, conn, name, source, o) : [];
  if (replacing && !relocate) {
    await conn.run(B.fileListOnly(source, file), { signal: ctx.signal });
  }
  // force: OFFLINE WITH ROLLBACK IMMEDIATE ends the sessions and lets no one in before the
  // RESTORE (a SINGLE_USER slot could be taken by another client in between)
  const takenOffline = replacing && o.force === true && before === 'ONLINE' && sessions !== 0;
  if (takenOffline) await run(ctx, conn, S.alterSet(name, 'OFFLINE', 'ROLLBACK IMMEDIATE'));
  const stopAt = o.stopAt !== undefined ? new VarChar(toServerTime(o.stopAt, offset)) : undefined;
  const steps: Array<[string, S.MssqlStatement]> = [
    [
      source,
      B.restoreDatabase(name, source, {
        kind,
        file,
        moves: moved,
        replace: replacing,
        norecovery: logs.length > 0 || o.norecovery === true,
        // on RESTORE DATABASE, STOPAT only makes the server refuse a data backup newer than the
        // target (the whole backup is restored either way); the logs stop at it, each with the same STOPAT
        stopAt,
        checksum: o.checksum,
        stats: o.stats,
      }),
    ],
    ...logs.map((log, i): [string, S.MssqlStatement] => [log, B.restoreDatabase(name, log, { kind: 'LOG', norecovery: i < logs.length - 1 || o.norecovery === true, stopAt, checksum: o.checksum, stats: o.stats })]),
  ];
  try {
    for (const [label, statement] of steps) await run(ctx, conn, statement, label);
  } catch (error) {
    // also after a cancel (the ATTENTION ended the RESTORE; the connection still works): the
    // clean-up runs without the operation's signal, recorded, within the cancel grace
    if (!ctx.dryRun) {
      // recorded and run from the same object (not a step: the operation may be aborted already)
      const undo = async (s: S.MssqlStatement) => {
        ctx.record(S.describeMssqlStatement(s));
        await conn.run(s);
      };
      const after = await stateOf(conn, name, new AbortController().signal).catch(() => undefined);
      if (!present && after !== undefined) {
        // it did not exist before: a half-restored database is removed, or the error names it
        const dropped = await undo(S.dropDatabase(name)).then(() => true, () => false);
        if (!dropped && !ctx.signal.aborted) throw createError('QUERY', `restore: failed, and the half-restored database '${name}' (${after}) could not be dropped: drop it yourself`, { engine: 'mssql', operation: 'restore', cause: error });
      } else if (takenOffline && after === 'OFFLINE') {
        // the RESTORE failed before touching it: bring it back as it was
        await undo(S.alterSet(name, 'ONLINE')).catch(() => undefined);
      }
    }
    throw error;
  }
  const expected = o.norecovery === true ? 'RESTORING' : 'ONLINE';
  if (!ctx.dryRun) {
    const after = await stateOf(conn, name, ctx.signal);
    if (after !== expected) {
      throw createError('QUERY', `restore: ${name} is ${after ?? 'missing'} after the restore, not ${expected}${o.stopAt ? `: stopAt (${o.stopAt}) may lie after the last log backup` : ''}`, {
        engine: 'mssql',
        operation: 'restore',
        hint: after === 'RESTORING' ? `apply the next log backup (restore(log) without replace), or recover it as it is: RESTORE DATABASE ${quoteIdentifier(name)} WITH RECOVERY` : undefined,
      });
    }
    ctx.progress({ percent: 100 });
  }
  const where = moved.length ? `, files moved to ${[...new Set(moved.map((m) => m.physical.replace(/[\\/][^\\/]*$/, '')))].join(' and ')}` : '';
  const verified = replacing ? `; every backup set was verified (RESTORE VERIFYONLY) before ${name} was overwritten in place (SQL Server restores WITH REPLACE, it cannot restore aside and swap)` : '';
  return {
    message: `${ctx.dryRun ? 'would restore' : 'restored'} ${name} from ${source} (${header.backupType} backup of ${header.databaseName}${logs.length ? ` + ${logs.length} log backup(s)` : ''}${o.stopAt ? ` stopped at ${o.stopAt}` : ''}${where})${o.norecovery ? '; left RESTORING (norecovery)' : ''}${verified}`,
  };
}

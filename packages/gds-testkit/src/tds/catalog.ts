/**
 * TdsCatalog: server state for the simulator (databases with their state, access mode and other
 * sessions; backup files on the "server's" disk) and the documented answers of SQL Server's
 * statements on it: CREATE/DROP/ALTER DATABASE, BACKUP, RESTORE (DATABASE, LOG, HEADERONLY,
 * FILELISTONLY, VERIFYONLY), with the documented errors, several per statement as the server sends
 * them (numbers and texts: MicrosoftDocs/sql-docs `docs/relational-databases/errors-events/`).
 * A test reads the state afterwards: whether a database is still there is the server's answer,
 * not the provider's.
 *
 * It recognises statements by their T-SQL syntax (names in brackets or as `@parameters`), not SQL
 * in general: SELECTs are left to the test's rules (which can read the state), anything else it
 * does not know is left to the rules too.
 *
 * @module
 */
import type { TdsReply, TdsRequest } from './script.js';
import type { ServerMessage } from './tokens.js';
import type { TdsColumn, TdsValue } from './values.js';

/** A database of the simulated server. */
export interface TdsDatabase {
  /** Its name. */
  name: string;
  /** sys.databases.state_desc. */
  state: 'ONLINE' | 'OFFLINE' | 'RESTORING';
  /** sys.databases.user_access_desc. */
  access: 'MULTI_USER' | 'SINGLE_USER' | 'RESTRICTED_USER';
  /** Other user sessions in it. */
  sessions: number;
  /** Rows of its data, opaque: a restore replaces them with the backup's. */
  data: string;
}

/** A backup set in a file. */
export interface TdsBackupSet {
  /** HEADERONLY BackupType: 1 database, 2 transaction log, 5 differential. */
  type: 1 | 2 | 5;
  /** The database it holds. */
  database: string;
  /** Its data (what a restore puts in the database). */
  data: string;
  /** When it started (an instant). */
  started: Date;
}

/** A file on the server: backup sets, or bytes SQL Server cannot read as a backup. */
export type TdsBackupFile = { sets: TdsBackupSet[] } | { damaged: true };

const ident = (raw: string): string => (raw.startsWith('[') ? raw.slice(1, -1).replaceAll(']]', ']') : raw);
const NAME = String.raw`(\[(?:[^\]]|\]\])*\]|@\w+|\w+)`;

/**
 * The simulated server's catalog. Install it with `sim.useCatalog(catalog)`.
 *
 * ### Examples
 * ```ts
 * const catalog = new TdsCatalog();
 * catalog.addDatabase('app', { data: 'v1' });
 * catalog.files.set('/b/bad.bak', { damaged: true });
 * sim.useCatalog(catalog);
 * // ... restore /b/bad.bak over app with gds ...
 * expect(catalog.databases.get('app')?.data).toBe('v1');
 * ```
 */
export class TdsCatalog {
  /** Databases by name. */
  readonly databases = new Map<string, TdsDatabase>();
  /** Files on the server by path. */
  readonly files = new Map<string, TdsBackupFile>();

  /** Adds (or replaces) a database, ONLINE and MULTI_USER unless told otherwise. */
  addDatabase(name: string, over: Partial<Omit<TdsDatabase, 'name'>> = {}): TdsDatabase {
    const db: TdsDatabase = { name, state: 'ONLINE', access: 'MULTI_USER', sessions: 0, data: '', ...over };
    this.databases.set(name, db);
    return db;
  }

  #value(raw: string, request: TdsRequest): string {
    if (raw.startsWith('@')) return String(request.params[raw.slice(1)] ?? '');
    if (/^N?'/.test(raw)) return raw.replace(/^N?'/, '').replace(/'$/, '').replaceAll("''", "'");
    return ident(raw);
  }

  /**
   * The documented answer to `request`, or `undefined` when it is not a statement the catalog
   * knows (the simulator then tries its other answers).
   */
  answer(request: TdsRequest): TdsReply | undefined {
    const sql = request.sql.trim();
    const forcedDrop = new RegExp(String.raw`^ALTER DATABASE ${NAME} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; BEGIN TRY DROP DATABASE ${NAME}; END TRY BEGIN CATCH ALTER DATABASE ${NAME} SET MULTI_USER; THROW; END CATCH$`, 'i').exec(sql);
    if (forcedDrop) {
      const name = this.#value(forcedDrop[1] ?? '', request);
      const first = this.#alter(name, 'SINGLE_USER', 'ROLLBACK IMMEDIATE');
      if (first) return first;
      const dropped = this.#drop(name);
      if (dropped) {
        this.#alter(name, 'MULTI_USER', undefined);
        return dropped;
      }
      return { rowCount: 0 };
    }
    let m = new RegExp(String.raw`^CREATE DATABASE ${NAME}`, 'i').exec(sql);
    if (m) {
      const name = this.#value(m[1] ?? '', request);
      if (this.databases.has(name)) return { error: { number: 1801, class: 16, message: `Database '${name}' already exists. Choose a different database name.` } };
      this.addDatabase(name);
      return { rowCount: 0 };
    }
    m = new RegExp(String.raw`^DROP DATABASE ${NAME}$`, 'i').exec(sql);
    if (m) return this.#drop(this.#value(m[1] ?? '', request)) ?? { rowCount: 0 };
    m = new RegExp(String.raw`^ALTER DATABASE ${NAME} SET (ONLINE|OFFLINE|SINGLE_USER|MULTI_USER|RESTRICTED_USER)(?: WITH (NO_WAIT|ROLLBACK IMMEDIATE))?$`, 'i').exec(sql);
    if (m) return this.#alter(this.#value(m[1] ?? '', request), (m[2] ?? '').toUpperCase(), m[3]?.toUpperCase()) ?? { rowCount: 0 };
    m = new RegExp(String.raw`^BACKUP (DATABASE|LOG) ${NAME} TO DISK = ${NAME}`, 'i').exec(sql);
    if (m) return this.#backup(m[1]?.toUpperCase() === 'LOG' ? 2 : /\bDIFFERENTIAL\b/i.test(sql) ? 5 : 1, this.#value(m[2] ?? '', request), this.#value(m[3] ?? '', request), /\bINIT\b/.test(sql.replace(/\bNOINIT\b/g, '')));
    m = new RegExp(String.raw`^RESTORE (HEADERONLY|FILELISTONLY|VERIFYONLY) FROM DISK = ${NAME}`, 'i').exec(sql);
    if (m) return this.#inspect((m[1] ?? '').toUpperCase(), this.#value(m[2] ?? '', request), Number(request.params.file ?? 1));
    m = new RegExp(String.raw`^RESTORE (DATABASE|LOG) ${NAME} FROM DISK = ${NAME}`, 'i').exec(sql);
    if (m) return this.#restore(m[1]?.toUpperCase() === 'LOG' ? 'LOG' : 'DATABASE', this.#value(m[2] ?? '', request), this.#value(m[3] ?? '', request), Number(request.params.file ?? 1), sql);
    return undefined;
  }

  #drop(name: string): TdsReply | undefined {
    const db = this.databases.get(name);
    if (!db) return { error: { number: 3701, class: 11, message: `Cannot drop the database '${name}', because it does not exist or you do not have permission.` } };
    if (db.sessions > 0) return { error: { number: 3702, class: 16, message: `Cannot drop database "${name}" because it is currently in use.` } };
    this.databases.delete(name);
    return undefined;
  }

  #alter(name: string, option: string, termination: string | undefined): TdsReply | undefined {
    const db = this.databases.get(name);
    const failed: ServerMessage = { number: 5069, class: 16, message: 'ALTER DATABASE statement failed.' };
    if (!db) return { error: { number: 5011, class: 14, message: `User does not have permission to alter database '${name}', the database does not exist, or the database is not in a state that allows access checks.` } };
    if (option !== 'ONLINE' && option !== 'OFFLINE' && db.state !== 'ONLINE') {
      return { errors: [{ number: 5052, class: 16, message: `ALTER DATABASE is not permitted while a database is in the ${db.state} state.` }, failed] };
    }
    const changesUsers = option === 'OFFLINE' || option === 'SINGLE_USER' || option === 'RESTRICTED_USER';
    if (changesUsers && db.sessions > 0) {
      if (termination === 'ROLLBACK IMMEDIATE') {
        db.sessions = 0;
      } else if (termination === 'NO_WAIT') {
        return { errors: [{ number: 5070, class: 16, message: `Database state cannot be changed while other users are using the database '${name}'` }, failed] };
      } else {
        return { hang: true }; // without a termination clause the ALTER waits for the other sessions
      }
    }
    if (option === 'OFFLINE' || option === 'ONLINE') db.state = option === 'OFFLINE' ? 'OFFLINE' : db.state === 'OFFLINE' ? 'ONLINE' : db.state;
    else db.access = option as TdsDatabase['access'];
    return undefined;
  }

  #backup(type: 1 | 2 | 5, name: string, path: string, init: boolean): TdsReply {
    const db = this.databases.get(name);
    const what = type === 2 ? 'BACKUP LOG' : 'BACKUP DATABASE';
    if (!db) return { errors: [{ number: 911, class: 16, message: `Database '${name}' does not exist. Make sure that the name is entered correctly.` }, { number: 3013, class: 16, message: `${what} is terminating abnormally.` }] };
    const existing = this.files.get(path);
    const sets = existing && 'sets' in existing && !init ? existing.sets : [];
    this.files.set(path, { sets: [...sets, { type, database: name, data: db.data, started: new Date() }] });
    return { messages: [{ number: 3211, message: '100 percent processed.' }, { number: 3014, message: `${what} successfully processed 1 pages in 0.001 seconds (1.000 MB/sec).` }] };
  }

  #readable(path: string, statement: string): { sets: TdsBackupSet[] } | TdsReply {
    const file = this.files.get(path);
    const end: ServerMessage = { number: 3013, class: 16, message: `${statement} is terminating abnormally.` };
    if (!file) return { errors: [{ number: 3201, class: 16, message: `Cannot open backup device '${path}'. Operating system error 2(The system cannot find the file specified.).` }, end] };
    if ('damaged' in file) return { errors: [{ number: 3241, class: 16, message: `The media family on device '${path}' is incorrectly formed. SQL Server cannot process this media family.` }, end] };
    return file;
  }

  #inspect(kind: string, path: string, file: number): TdsReply {
    const read = this.#readable(path, kind === 'VERIFYONLY' ? 'VERIFY DATABASE' : `RESTORE ${kind}`);
    if (!('sets' in read)) return read;
    if (kind === 'HEADERONLY') {
      const columns: TdsColumn[] = [{ name: 'BackupType', type: 'smallint' }, { name: 'Position', type: 'smallint' }, { name: 'DatabaseName' }, { name: 'BackupStartDate', type: 'datetime' }];
      return { columns, rows: read.sets.map((s, i): TdsValue[] => [s.type, i + 1, s.database, s.started]) };
    }
    const set = read.sets[file - 1];
    if (!set) return { errors: [{ number: 3206, class: 16, message: `Backup set ${file} does not exist on '${path}'.` }, { number: 3013, class: 16, message: `${kind === 'VERIFYONLY' ? 'VERIFY DATABASE' : `RESTORE ${kind}`} is terminating abnormally.` }] };
    if (kind === 'FILELISTONLY') {
      return { columns: ['LogicalName', 'PhysicalName', 'Type'], rows: [[set.database, `/var/opt/mssql/data/${set.database}.mdf`, 'D'], [`${set.database}_log`, `/var/opt/mssql/data/${set.database}_log.ldf`, 'L']] };
    }
    return { messages: [{ number: 3262, message: `The backup set on file ${file} is valid.` }] };
  }

  #restore(kind: 'DATABASE' | 'LOG', name: string, path: string, file: number, sql: string): TdsReply {
    const statement = `RESTORE ${kind}`;
    const end: ServerMessage = { number: 3013, class: 16, message: `${statement} is terminating abnormally.` };
    const read = this.#readable(path, statement);
    const db = this.databases.get(name);
    if (!('sets' in read)) {
      // a damaged file is found out while restoring: a database being replaced is left RESTORING
      const damaged = this.files.get(path);
      if (damaged && 'damaged' in damaged && db && /\bREPLACE\b/.test(sql)) db.state = 'RESTORING';
      return read;
    }
    const set = read.sets[file - 1];
    if (!set) return { errors: [{ number: 3206, class: 16, message: `Backup set ${file} does not exist on '${path}'.` }, end] };
    if (kind === 'DATABASE' && set.type === 2) return { errors: [{ number: 3135, class: 16, message: `The backup set in file '${path}' was created by BACKUP LOG and cannot be used for this restore operation.` }, end] };
    if (kind === 'LOG' && set.type !== 2) return { errors: [{ number: 3135, class: 16, message: `The backup set in file '${path}' was created by BACKUP DATABASE and cannot be used for this restore operation.` }, end] };
    if (kind === 'LOG' && (!db || db.state !== 'RESTORING')) {
      if (!db) return { errors: [{ number: 3118, class: 16, message: `The database "${name}" does not exist. RESTORE can only create a database when restoring either a full backup or a file backup of the primary file.` }, end] };
      return { errors: [{ number: 3117, class: 16, message: 'The log or differential backup cannot be restored because no files are ready to rollforward.' }, end] };
    }
    if (db && kind === 'DATABASE') {
      if (db.sessions > 0) return { errors: [{ number: 3101, class: 16, message: 'Exclusive access could not be obtained because the database is in use.' }, end] };
      if (!/\bREPLACE\b/.test(sql) && set.database !== name) return { errors: [{ number: 3154, class: 16, message: `The backup set holds a backup of a database other than the existing '${name}' database.` }, end] };
    }
    const target = db ?? this.addDatabase(name, { state: 'RESTORING' });
    target.data = set.data;
    target.state = /\bNORECOVERY\b/.test(sql) ? 'RESTORING' : 'ONLINE';
    return { messages: [{ number: 3211, message: '100 percent processed.' }, { number: 3014, message: `${statement} successfully processed 1 pages in 0.001 seconds (1.000 MB/sec).` }] };
  }
}

/**
 * The simulator's account model: the statements gds sends, interpreted against a small state
 * (databases with a content token, dropped databases, session parameters, and the shared
 * {@link SimReplication}). Script rules are tried first; a statement neither the script nor the
 * model knows gets error 999999.
 *
 * Documented behaviours it reproduces: names resolve as Snowflake resolves them (unquoted ones
 * upper-cased; quoted ones exact unless QUOTED_IDENTIFIERS_IGNORE_CASE is TRUE for the session,
 * from the account, the user or ALTER SESSION); `SHOW DATABASES LIKE` ignores case; CLONE copies
 * the content; `ALTER DATABASE a SWAP WITH b` exchanges the two whole databases (content,
 * creation time, comment); DROP keeps the database for UNDROP; 002002 / 002003 errors with
 * Snowflake's messages; and the replication rules listed in replication.ts.
 *
 * Limits: no tables or rows (a database's data is one `content` string), no grants, no Time
 * Travel (AT/BEFORE clone the current content), no warehouses.
 *
 * @module
 */
import { REFRESH_HISTORY_COLUMNS, REFRESH_PROGRESS_COLUMNS, SHOW_DATABASES_COLUMNS, SHOW_GROUPS_COLUMNS, SHOW_REPLICATION_DATABASES_COLUMNS, SHOW_SCHEMAS_COLUMNS, SHOW_TABLES_COLUMNS } from './show.js';
import { REFRESH_PHASES, SimReplication, type SimRefresh } from './replication.js';
import type { SimColumn, SimValue } from './rowset.js';
import type { SimErrorReply, SimRowsReply } from './script.js';
import { IDENT, STRING, likeMatches, readString, resolveIdentifier } from './sql-parse.js';

/** A database of the simulated account. */
export interface SimDatabase {
  name: string;
  /** Stands for the data: tests compare it before and after an operation. */
  content: string;
  createdOn: Date;
  transient: boolean;
  retentionDays: number;
  comment: string;
  owner: string;
  droppedOn?: Date;
}

/** The session state the model needs. */
export interface SimSessionState {
  /** Session parameters set with ALTER SESSION (upper-case names, values as text). */
  parameters: Map<string, string>;
  /** The user's own parameters. */
  userParameters: Readonly<Record<string, string>>;
}

type Reply = SimRowsReply | SimErrorReply;
const ok = (status: string): SimRowsReply => ({ columns: [{ name: 'status', type: 'text' }], rows: [[status]] });
const err = (code: string, message: string, sqlState = '42000'): SimErrorReply => ({ error: { code, message, sqlState } });
const notFound = (name: string): SimErrorReply => err('002003', `SQL compilation error:\nDatabase '${name}' does not exist or not authorized.`, '02000');

let clock = 0;
/** Strictly increasing creation times, so that two databases made in one millisecond differ. */
function nextTime(): Date {
  clock = Math.max(clock + 1, Date.now());
  return new Date(clock);
}

/**
 * The simulated account.
 *
 * ### Examples
 * ```ts
 * sim.model.addDatabase({ name: 'SALES', content: 'orders v1' });
 * // ... run gds against sim ...
 * expect(sim.model.database('SALES')?.content).toBe('orders v1');
 * ```
 */
export class SimAccountModel {
  /** Live databases by exact name. */
  readonly databases = new Map<string, SimDatabase>();
  /** Dropped databases, newest last (UNDROP takes the newest of a name). */
  readonly dropped: SimDatabase[] = [];
  /** Account-level parameters (upper-case names, values as text). */
  readonly parameters = new Map<string, string>();

  /**
   * Makes the model of account `org.name`, sharing `replication` with the organization's other
   * simulated accounts.
   */
  constructor(
    readonly accountId: string,
    readonly replication: SimReplication = new SimReplication(),
  ) {}

  /** Adds a database directly (no statement). */
  addDatabase(d: Partial<SimDatabase> & { name: string }): SimDatabase {
    const db: SimDatabase = { content: `content of ${d.name}`, createdOn: nextTime(), transient: false, retentionDays: 1, comment: '', owner: 'SYSADMIN', ...d };
    this.databases.set(db.name, db);
    return db;
  }

  /** The live database of exactly that name. */
  database(name: string): SimDatabase | undefined {
    return this.databases.get(name);
  }

  /** Names of the live databases, sorted. */
  names(): string[] {
    return [...this.databases.keys()].sort();
  }

  private ignoreCase(session: SimSessionState): boolean {
    const v = session.parameters.get('QUOTED_IDENTIFIERS_IGNORE_CASE') ?? session.userParameters.QUOTED_IDENTIFIERS_IGNORE_CASE ?? this.parameters.get('QUOTED_IDENTIFIERS_IGNORE_CASE') ?? 'FALSE';
    return v.toUpperCase() === 'TRUE';
  }

  /** Answers a statement, or returns undefined when the model does not know it. */
  execute(sqlText: string, binds: readonly unknown[], session: SimSessionState): Reply | undefined {
    const sql = sqlText.trim().replace(/;$/, '');
    const id = (t: string) => resolveIdentifier(t, this.ignoreCase(session));
    let m: RegExpExecArray | null;

    if ((m = /^ALTER SESSION SET ([A-Z_]+)\s*=\s*(\S+)$/i.exec(sql))) {
      session.parameters.set(m[1]!.toUpperCase(), m[2]!.replace(/^'|'$/g, '').toUpperCase());
      return ok('Statement executed successfully.');
    }
    if ((m = new RegExp(`^SHOW DATABASES( HISTORY)?(?: LIKE (${STRING}))?$`, 'i').exec(sql))) {
      const pattern = m[2] ? readString(m[2]) : undefined;
      const list = [...this.databases.values(), ...(m[1] ? this.dropped : [])].filter((d) => pattern === undefined || likeMatches(d.name, pattern));
      return { columns: SHOW_DATABASES_COLUMNS, rows: list.map(showRow) };
    }
    if ((m = new RegExp(`^CREATE (OR REPLACE )?(TRANSIENT )?DATABASE (IF NOT EXISTS )?(${IDENT})(.*)$`, 'is').exec(sql))) {
      return this.create(id(m[4]!), m[5]!, { orReplace: !!m[1], transient: !!m[2], ifNotExists: !!m[3] }, id);
    }
    if ((m = new RegExp(`^DROP DATABASE (IF EXISTS )?(${IDENT})(?: (CASCADE|RESTRICT))?$`, 'i').exec(sql))) {
      const name = id(m[2]!);
      const db = this.databases.get(name);
      if (!db) return m[1] ? ok(`Drop statement executed successfully (${name} already dropped).`) : notFound(name);
      this.drop(db);
      return ok(`${name} successfully dropped.`);
    }
    if ((m = new RegExp(`^UNDROP DATABASE (${IDENT})$`, 'i').exec(sql))) {
      const name = id(m[1]!);
      if (this.databases.has(name)) return err('002002', `SQL compilation error:\nObject '${name}' already exists.`, '42710');
      const i = this.dropped.map((d) => d.name).lastIndexOf(name);
      if (i < 0) return err('002003', `Dropped database '${name}' does not exist or not authorized.`, '02000');
      const [db] = this.dropped.splice(i, 1);
      if (db) {
        delete db.droppedOn;
        this.databases.set(name, db);
      }
      return ok(`Database ${name} successfully restored.`);
    }
    if ((m = new RegExp(`^ALTER DATABASE (${IDENT}) SWAP WITH (${IDENT})$`, 'i').exec(sql))) {
      const a = this.databases.get(id(m[1]!));
      const b = this.databases.get(id(m[2]!));
      if (!a) return notFound(id(m[1]!));
      if (!b) return notFound(id(m[2]!));
      [a.name, b.name] = [b.name, a.name];
      this.databases.set(a.name, a);
      this.databases.set(b.name, b);
      return ok('Statement executed successfully.');
    }
    if ((m = new RegExp(`^ALTER DATABASE (${IDENT}) SET DATA_RETENTION_TIME_IN_DAYS = (\\d+)$`, 'i').exec(sql))) {
      const db = this.databases.get(id(m[1]!));
      if (!db) return notFound(id(m[1]!));
      db.retentionDays = Number(m[2]);
      return ok('Statement executed successfully.');
    }
    if ((m = new RegExp(`^SHOW SCHEMAS IN DATABASE (${IDENT})$`, 'i').exec(sql))) {
      const db = this.databases.get(id(m[1]!));
      if (!db) return notFound(id(m[1]!));
      return { columns: SHOW_SCHEMAS_COLUMNS, rows: ['INFORMATION_SCHEMA', 'PUBLIC'].map((name) => ({ created_on: db.createdOn, name, database_name: db.name, owner: db.owner })) };
    }
    if ((m = new RegExp(`^SELECT LAST_ALTERED FROM (${IDENT})\\.INFORMATION_SCHEMA\\.DATABASES WHERE DATABASE_NAME = \\?$`, 'i').exec(sql))) {
      if (!this.databases.has(id(m[1]!))) return notFound(id(m[1]!));
      const db = this.databases.get(String(binds[0] ?? ''));
      return { columns: [{ name: 'LAST_ALTERED', type: 'timestamp_ltz' }], rows: db ? [{ LAST_ALTERED: db.createdOn }] : [] };
    }
    if ((m = new RegExp(`^SHOW TABLES IN (?:DATABASE (${IDENT})|SCHEMA (${IDENT})\\.(${IDENT}))$`, 'i').exec(sql))) {
      const db = id(m[1] ?? m[2]!);
      if (!this.databases.has(db)) return notFound(db);
      return { columns: SHOW_TABLES_COLUMNS, rows: [] };
    }
    if (/^SELECT CURRENT_VERSION\(\) AS VERSION, CURRENT_ORGANIZATION_NAME\(\) AS ORGANIZATION/i.test(sql)) {
      const [org = '', name = ''] = this.accountId.split('.');
      return {
        columns: ['VERSION', 'ORGANIZATION', 'ACCOUNT', 'REGION', 'ROLE', 'WAREHOUSE'].map((n) => ({ name: n, type: 'text' as const })),
        rows: [{ VERSION: '9.38.1', ORGANIZATION: org, ACCOUNT: name, REGION: 'AWS_EU_WEST_1', ROLE: 'SYSADMIN', WAREHOUSE: null }],
      };
    }
    return this.replicationStatement(sql, binds, id);
  }

  private drop(db: SimDatabase): void {
    this.databases.delete(db.name);
    db.droppedOn = new Date();
    this.dropped.push(db);
  }

  private create(name: string, tail: string, o: { orReplace: boolean; transient: boolean; ifNotExists: boolean }, id: (t: string) => string): Reply {
    let rest = tail.trim();
    let content = `empty database ${name}`;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^CLONE (${IDENT})(?:\\s*(?:AT|BEFORE)\\((?:[^()']|${STRING})*\\))?\\s*`, 'is').exec(rest))) {
      const source = this.databases.get(id(m[1]!));
      if (!source) return notFound(id(m[1]!));
      content = source.content;
      rest = rest.slice(m[0].length);
    }
    const retention = /DATA_RETENTION_TIME_IN_DAYS = (\d+)/i.exec(rest);
    const comment = new RegExp(`COMMENT = (${STRING})`, 'is').exec(rest);
    const existing = this.databases.get(name);
    if (existing && o.ifNotExists) return ok(`${name} already exists, statement succeeded.`);
    if (existing && !o.orReplace) return err('002002', `SQL compilation error:\nObject '${name}' already exists.`, '42710');
    if (existing) this.drop(existing);
    this.addDatabase({ name, content, transient: o.transient, retentionDays: retention ? Number(retention[1]) : o.transient ? 0 : 1, comment: comment ? readString(comment[1]!) : '' });
    return ok(`Database ${name} successfully created.`);
  }

  private rowsFor(columns: readonly SimColumn[], rows: Record<string, SimValue>[]): SimRowsReply {
    return { columns, rows };
  }

  private replicationStatement(sql: string, binds: readonly unknown[], id: (t: string) => string): Reply | undefined {
    const org = this.replication;
    let m: RegExpExecArray | null;
    const splitId = (a: string) => {
      const [o = '', n = ''] = a.split('.');
      return { organization_name: o, account_name: n };
    };

    if ((m = new RegExp(`^SHOW REPLICATION DATABASES(?: LIKE (${STRING}))?$`, 'i').exec(sql))) {
      const pattern = m[1] ? readString(m[1]) : undefined;
      const rows: Record<string, SimValue>[] = [];
      for (const d of org.databases.values()) {
        if (pattern !== undefined && !likeMatches(d.name, pattern)) continue;
        for (const a of [d.primary, ...d.secondaries]) rows.push({ ...splitId(a), name: d.name, is_primary: a === d.primary, primary: `${d.primary}.${d.name}`, region_group: 'PUBLIC' });
      }
      return this.rowsFor(SHOW_REPLICATION_DATABASES_COLUMNS, rows);
    }
    if ((m = /^SHOW (FAILOVER|REPLICATION) GROUPS$/i.exec(sql))) {
      const kind = m[1]!.toUpperCase();
      const rows: Record<string, SimValue>[] = [];
      for (const g of org.groups.values()) {
        if (kind === 'FAILOVER' && g.type !== 'FAILOVER') continue;
        if (!g.accounts.includes(this.accountId)) continue;
        for (const a of g.accounts) {
          const primary = a === g.primary;
          rows.push({ ...splitId(a), name: g.name, type: g.type, is_primary: primary, primary: `${g.primary}.${g.name}`, object_types: 'DATABASES', replication_schedule: g.schedule, secondary_state: primary ? null : g.suspended.has(a) ? 'SUSPENDED' : 'STARTED', allowed_accounts: g.accounts.join(',') });
        }
      }
      return this.rowsFor(SHOW_GROUPS_COLUMNS, rows);
    }
    if ((m = new RegExp(`^SHOW DATABASES IN (FAILOVER|REPLICATION) GROUP (${IDENT})$`, 'i').exec(sql))) {
      const g = org.groups.get(id(m[2]!));
      if (!g || !g.accounts.includes(this.accountId)) return err('002003', `SQL compilation error:\nReplication group '${id(m[2]!)}' does not exist or not authorized.`, '02000');
      return { columns: [{ name: 'name', type: 'text' }], rows: g.databases.map((name) => ({ name })) };
    }
    if ((m = new RegExp(`^ALTER (FAILOVER|REPLICATION) GROUP (${IDENT}) (PRIMARY|REFRESH|RESUME|SUSPEND)$`, 'i').exec(sql))) {
      const name = id(m[2]!);
      const g = org.groups.get(name);
      if (!g || !g.accounts.includes(this.accountId)) return err('002003', `SQL compilation error:\nReplication group '${name}' does not exist or not authorized.`, '02000');
      const action = m[3]!.toUpperCase();
      const isPrimary = g.primary === this.accountId;
      // the simulator's own error code: Snowflake documents the rule (run on a target account), not the code
      if (isPrimary) return err('090000', `simulator: ${action} must run in a target account of ${name}, and this account holds its primary`);
      if (action === 'PRIMARY') {
        if (g.type !== 'FAILOVER') return err('090000', `simulator: replication group ${name} cannot be promoted`);
        org.promote(name, this.accountId);
        return ok('Statement executed successfully.');
      }
      if (action === 'RESUME') g.suspended.delete(this.accountId);
      if (action === 'SUSPEND') g.suspended.add(this.accountId);
      if (action === 'REFRESH') {
        const now = org.now();
        org.recordGroupRefresh(name, this.accountId, { start: now, end: now, phase: 'COMPLETED', snapshot: now });
      }
      return ok('Statement executed successfully.');
    }
    if ((m = new RegExp(`FROM TABLE\\((${IDENT})\\.INFORMATION_SCHEMA\\.REPLICATION_GROUP_REFRESH_HISTORY\\(\\?((?:[^()]|\\([^()]*(?:\\([^()]*\\))?[^()]*\\))*)\\)\\)`, 'i').exec(sql))) {
      const g = org.groups.get(resolveIdentifier(String(binds[0] ?? ''), false));
      const range = dateRange(m[2] ?? '', org.now());
      if ('error' in range) return range;
      const list = (g?.history.get(this.accountId) ?? []).filter((r) => r.start >= range.start && r.start <= range.end);
      return {
        columns: [
          { name: 'PHASE_NAME', type: 'text' },
          { name: 'START_TIME', type: 'timestamp_ltz' },
          { name: 'END_TIME', type: 'timestamp_ltz' },
          { name: 'JOB_UUID', type: 'text' },
          { name: 'PRIMARY_SNAPSHOT_TIMESTAMP', type: 'timestamp_ltz' },
        ],
        rows: sortRows(sql, list).map((r) => ({ PHASE_NAME: r.phase, START_TIME: new Date(r.start), END_TIME: r.end === undefined ? null : new Date(r.end), JOB_UUID: r.job ?? null, PRIMARY_SNAPSHOT_TIMESTAMP: new Date(r.snapshot ?? r.start) })),
      };
    }
    if (new RegExp(`INFORMATION_SCHEMA\\.DATABASE_REFRESH_HISTORY\\(\\?\\)`, 'i').test(sql)) {
      const d = org.databases.get(resolveIdentifier(String(binds[0] ?? ''), false));
      const since = org.now() - 14 * 86_400_000;
      const list = (d?.history.get(this.accountId) ?? []).filter((r) => r.start >= since);
      return { columns: REFRESH_HISTORY_COLUMNS, rows: sortRows(sql, list).map((r) => ({ CURRENT_PHASE: r.phase, START_TIME: r.start, END_TIME: r.end ?? null, JOB_UUID: r.job ?? null })) };
    }
    if (new RegExp(`INFORMATION_SCHEMA\\.DATABASE_REFRESH_PROGRESS\\(\\?\\)`, 'i').test(sql)) {
      const d = org.databases.get(resolveIdentifier(String(binds[0] ?? ''), false));
      const latest = [...(d?.history.get(this.accountId) ?? [])].sort((a, b) => b.start - a.start)[0];
      const rows = latest && latest.start >= org.now() - 14 * 86_400_000 ? progressRows(latest) : [];
      // no ORDER BY: no defined order; the simulator answers newest phase first
      const ordered = /ORDER BY START_TIME( ASC)?\s*$/i.test(sql) ? rows : [...rows].reverse();
      return { columns: REFRESH_PROGRESS_COLUMNS, rows: ordered };
    }
    return undefined;
  }
}

function showRow(d: SimDatabase): Record<string, SimValue> {
  return {
    created_on: d.createdOn,
    name: d.name,
    is_default: 'N',
    is_current: 'N',
    origin: '',
    owner: d.owner,
    comment: d.comment,
    options: d.transient ? 'TRANSIENT' : '',
    retention_time: String(d.retentionDays),
    kind: 'STANDARD',
    budget: null,
    owner_role_type: 'ROLE',
    dropped_on: d.droppedOn ?? null,
  };
}

function sortRows(sql: string, list: readonly SimRefresh[]): SimRefresh[] {
  if (/ORDER BY START_TIME DESC/i.test(sql)) return [...list].sort((a, b) => b.start - a.start);
  if (/ORDER BY START_TIME/i.test(sql)) return [...list].sort((a, b) => a.start - b.start);
  return [...list].reverse();
}

/** The phase rows of one refresh: each phase up to the one it reached, one second apart. */
function progressRows(r: SimRefresh): Record<string, SimValue>[] {
  const terminal = ['COMPLETED', 'FAILED', 'CANCELED'].includes(r.phase);
  const reached = terminal ? REFRESH_PHASES.length : Math.max(0, REFRESH_PHASES.indexOf(r.phase));
  const rows: Record<string, SimValue>[] = [];
  for (let i = 0; i <= Math.min(reached, REFRESH_PHASES.length - 1); i++) {
    const running = !terminal && i === reached;
    const failedHere = r.phase !== 'COMPLETED' && terminal && i === REFRESH_PHASES.length - 1;
    rows.push({ PHASE_NAME: REFRESH_PHASES[i]!, RESULT: running ? 'EXECUTING' : failedHere ? (r.phase === 'FAILED' ? 'FAILED' : 'CANCELLED') : 'SUCCEEDED', START_TIME: r.start + i * 1000, END_TIME: running ? null : r.start + (i + 1) * 1000, DETAILS: null });
  }
  if (r.phase === 'COMPLETED') rows.push({ PHASE_NAME: 'COMPLETED', RESULT: 'SUCCEEDED', START_TIME: r.start + REFRESH_PHASES.length * 1000, END_TIME: r.end ?? null, DETAILS: null });
  return rows;
}

const DAY = 86_400_000;

/** The range of REPLICATION_GROUP_REFRESH_HISTORY's optional arguments (12 hours by default). */
function dateRange(args: string, now: number): { start: number; end: number } | SimErrorReply {
  const at = (expr: string | undefined): number | undefined => {
    if (!expr) return undefined;
    const d = /DATEADD\(\s*'?(DAY|HOUR|MINUTE)'?\s*,\s*(-?\d+)\s*,\s*CURRENT_TIMESTAMP\(\)\s*\)/i.exec(expr);
    if (d) return now + Number(d[2]) * ({ DAY, HOUR: 3_600_000, MINUTE: 60_000 }[d[1]!.toUpperCase() as 'DAY'] ?? DAY);
    if (/^CURRENT_TIMESTAMP\(\)$/i.test(expr.trim())) return now;
    const lit = new RegExp(`^(${STRING})`).exec(expr.trim());
    if (lit) return Date.parse(readString(lit[1]!));
    return Number.NaN;
  };
  const start = at(/DATE_RANGE_START\s*=>\s*((?:[^,()]|\([^()]*(?:\([^()]*\))?[^()]*\))+)/i.exec(args)?.[1]);
  const end = at(/DATE_RANGE_END\s*=>\s*((?:[^,()]|\([^()]*(?:\([^()]*\))?[^()]*\))+)/i.exec(args)?.[1]);
  if (Number.isNaN(start) || Number.isNaN(end)) return err('001003', `SQL compilation error: simulator cannot read the date range ${args}`);
  const range =
    start === undefined && end === undefined
      ? { start: now - DAY / 2, end: now }
      : start !== undefined && end === undefined
        ? { start, end: new Date(new Date(now).toISOString().slice(0, 10)).getTime() } // "CURRENT_DATE at midnight"
        : end !== undefined && start === undefined
          ? { start: end - DAY / 2, end }
          : { start: start!, end: end! };
  // documented: a range reaching beyond the 14-day retention is an error (the code is the simulator's)
  if (range.start < now - 14 * DAY) return err('090000', 'simulator: the requested date range extends beyond the 14-day retention window of REPLICATION_GROUP_REFRESH_HISTORY');
  return range;
}

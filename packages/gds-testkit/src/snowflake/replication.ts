/**
 * Replication shared by several simulated accounts of one organization: failover/replication
 * groups and database replication, with their refresh histories. Give the same
 * {@link SimReplication} to every simulator that stands for an account of the organization.
 *
 * Documented behaviours it reproduces (sources in @gds/snowflake's test/evidence):
 * - `ALTER FAILOVER GROUP g PRIMARY` (run on a secondary's account) makes that account the
 *   primary; the old primary becomes a secondary, and the scheduled refreshes of EVERY secondary
 *   are suspended (`secondary_state` SUSPENDED) until `ALTER FAILOVER GROUP g RESUME` runs in
 *   that secondary's account.
 * - `REPLICATION_GROUP_REFRESH_HISTORY('g')` without a date range returns the last 12 hours
 *   only; `DATE_RANGE_START/END` choose another range within the 14-day retention, and a range
 *   reaching further back is an error.
 * - `DATABASE_REFRESH_PROGRESS('db')` returns the phases of the latest refresh in no particular
 *   order (the simulator returns them newest first, so "the last row" is the wrong one).
 *
 * @module
 */

/** One refresh of a secondary (a group's or a database's). */
export interface SimRefresh {
  /** When it started (epoch ms). */
  start: number;
  /** When it ended (epoch ms); undefined while running. */
  end?: number;
  /** The phase it reached: `COMPLETED`, `FAILED`, `CANCELED`, or a running phase. */
  phase: string;
  /** The primary's snapshot time (epoch ms); defaults to the start. */
  snapshot?: number;
  /** Job id. Defaults to a generated one. */
  job?: string;
}

/** A replication or failover group. */
export interface SimGroup {
  name: string;
  type: 'FAILOVER' | 'REPLICATION';
  /** The databases it holds (exact names). */
  databases: string[];
  /** The member accounts, `ORG.ACCOUNT`. */
  accounts: string[];
  /** The primary's account, `ORG.ACCOUNT`. */
  primary: string;
  /** e.g. `'10 MINUTE'`. */
  schedule: string;
  /** Secondaries whose scheduled refreshes are suspended. */
  suspended: Set<string>;
  /** Refreshes per secondary account. */
  history: Map<string, SimRefresh[]>;
}

/** Replication of one database to other accounts. */
export interface SimDatabaseReplication {
  name: string;
  primary: string;
  secondaries: string[];
  history: Map<string, SimRefresh[]>;
}

/** The phases of a refresh, in the order Snowflake processes them. */
export const REFRESH_PHASES: readonly string[] = Object.freeze([
  'SECONDARY_UPLOADING_INVENTORY',
  'PRIMARY_UPLOADING_METADATA',
  'PRIMARY_UPLOADING_DATA',
  'SECONDARY_DOWNLOADING_METADATA',
  'SECONDARY_DOWNLOADING_DATA',
]);

let jobs = 0;

/**
 * The replication state of an organization's simulated accounts.
 *
 * ### Examples
 * ```ts
 * const org = new SimReplication();
 * org.addGroup({ name: 'DR_GROUP', type: 'FAILOVER', databases: ['SALES'], accounts: ['MYORG.PRIMARY', 'MYORG.DR'], primary: 'MYORG.PRIMARY' });
 * org.recordGroupRefresh('DR_GROUP', 'MYORG.DR', { start: Date.now() - 60_000, end: Date.now() - 30_000, phase: 'COMPLETED' });
 * const dr = await startSnowflakeSimulator({ account: 'MYORG-DR', replication: org });
 * ```
 */
export class SimReplication {
  /** Groups by exact name. */
  readonly groups = new Map<string, SimGroup>();
  /** Database replication by database name. */
  readonly databases = new Map<string, SimDatabaseReplication>();
  /** The clock (epoch ms); tests may replace it. */
  now: () => number = () => Date.now();

  /** Adds a group. */
  addGroup(g: Omit<SimGroup, 'suspended' | 'history' | 'schedule'> & { schedule?: string }): SimGroup {
    const group: SimGroup = { schedule: '10 MINUTE', ...g, suspended: new Set(), history: new Map() };
    this.groups.set(g.name, group);
    return group;
  }

  /** Adds database replication. */
  addDatabase(d: Omit<SimDatabaseReplication, 'history'>): SimDatabaseReplication {
    const r: SimDatabaseReplication = { ...d, history: new Map() };
    this.databases.set(d.name, r);
    return r;
  }

  /** Records a refresh of a group's secondary in `account`. */
  recordGroupRefresh(group: string, account: string, refresh: SimRefresh): void {
    const g = this.groups.get(group);
    if (!g) throw new Error(`simulator: no group ${group}`);
    push(g.history, account, refresh);
  }

  /** Records a refresh of a database's secondary in `account`. */
  recordDatabaseRefresh(database: string, account: string, refresh: SimRefresh): void {
    const d = this.databases.get(database);
    if (!d) throw new Error(`simulator: no replication of ${database}`);
    push(d.history, account, refresh);
  }

  /**
   * Promotes `account`'s secondary of `group`: the documented failover (every secondary's
   * scheduled refreshes are then suspended).
   */
  promote(group: string, account: string): void {
    const g = this.groups.get(group);
    if (!g) throw new Error(`simulator: no group ${group}`);
    g.primary = account;
    g.suspended = new Set(g.accounts.filter((a) => a !== account));
  }
}

function push(map: Map<string, SimRefresh[]>, account: string, refresh: SimRefresh): void {
  const list = map.get(account) ?? [];
  list.push({ job: `01b0sim0-0000-job0-0000-${String(++jobs).padStart(12, '0')}`, ...refresh });
  map.set(account, list);
}

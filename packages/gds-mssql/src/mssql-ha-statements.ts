/**
 * The availability group statements gds sends to SQL Server (`ALTER AVAILABILITY GROUP ...`),
 * built as {@link MssqlStatement} objects like the rest of `mssql-statements.ts`. T-SQL takes no
 * variables here: the group name goes through `quoteIdentifier`, replica names and
 * endpoint URLs through `quoteString` (`mssql-quote.ts`).
 *
 * @module
 */
import { quoteIdentifier as q, quoteString as lit } from './mssql-quote.js';
import { tsql, type MssqlStatement } from './mssql-statements.js';

/**
 * `ALTER AVAILABILITY GROUP ... FAILOVER` (or `FORCE_FAILOVER_ALLOW_DATA_LOSS`), run on the
 * target secondary `on`.
 *
 * ### Examples
 * ```ts
 * agFailover('AG1', false, 'mssql://sql2:1433/master').text; // 'ALTER AVAILABILITY GROUP [AG1] FAILOVER'
 * ```
 */
export function agFailover(group: string, force: boolean, on: string): MssqlStatement {
  return tsql(`ALTER AVAILABILITY GROUP ${q(group, 'availability group name')} ${force ? 'FORCE_FAILOVER_ALLOW_DATA_LOSS' : 'FAILOVER'}`, {}, on);
}

/**
 * `ALTER AVAILABILITY GROUP ... MODIFY REPLICA ON N'<replica>' WITH (<setting>)`.
 *
 * ### Examples
 * ```ts
 * agModifyReplica('AG1', 'SQL2', 'FAILOVER_MODE = MANUAL').text;
 * // "ALTER AVAILABILITY GROUP [AG1] MODIFY REPLICA ON N'SQL2' WITH (FAILOVER_MODE = MANUAL)"
 * ```
 */
export function agModifyReplica(group: string, replica: string, setting: 'FAILOVER_MODE = MANUAL' | 'AVAILABILITY_MODE = SYNCHRONOUS_COMMIT' | 'AVAILABILITY_MODE = ASYNCHRONOUS_COMMIT'): MssqlStatement {
  return tsql(`ALTER AVAILABILITY GROUP ${q(group, 'availability group name')} MODIFY REPLICA ON ${lit(replica)} WITH (${setting})`);
}

/** What {@link agAddReplica} takes. */
export interface ReplicaSpec {
  /** The replica's server name. */
  name: string;
  /** Its mirroring endpoint, `TCP://host:port`. */
  endpointUrl: string;
  availabilityMode: 'synchronous' | 'asynchronous';
  failoverMode: 'manual' | 'automatic';
  seedingMode: 'manual' | 'automatic';
}

/**
 * `ALTER AVAILABILITY GROUP ... ADD REPLICA ON N'<name>' WITH (...)`.
 *
 * ### Examples
 * ```ts
 * agAddReplica('AG1', { name: 'SQL4', endpointUrl: 'TCP://sql4:5022', availabilityMode: 'asynchronous', failoverMode: 'manual', seedingMode: 'automatic' }).text;
 * ```
 */
export function agAddReplica(group: string, r: ReplicaSpec): MssqlStatement {
  return tsql(
    `ALTER AVAILABILITY GROUP ${q(group, 'availability group name')} ADD REPLICA ON ${lit(r.name)} WITH (ENDPOINT_URL = ${lit(r.endpointUrl)}, ` +
      `AVAILABILITY_MODE = ${r.availabilityMode === 'synchronous' ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT'}, FAILOVER_MODE = ${r.failoverMode.toUpperCase()}, SEEDING_MODE = ${r.seedingMode.toUpperCase()})`,
  );
}

/**
 * `ALTER AVAILABILITY GROUP ... REMOVE REPLICA ON N'<name>'`.
 *
 * ### Examples
 * ```ts
 * agRemoveReplica('AG1', 'SQL3').text; // "ALTER AVAILABILITY GROUP [AG1] REMOVE REPLICA ON N'SQL3'"
 * ```
 */
export function agRemoveReplica(group: string, replica: string): MssqlStatement {
  return tsql(`ALTER AVAILABILITY GROUP ${q(group, 'availability group name')} REMOVE REPLICA ON ${lit(replica)}`);
}

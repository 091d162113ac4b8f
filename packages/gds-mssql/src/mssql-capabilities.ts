/**
 * What gds can do with SQL Server, and why not where it cannot; and the version and edition
 * rules the provider follows (data, from Microsoft's documentation: test/evidence/docs.json).
 *
 * Azure SQL Managed Instance (`SERVERPROPERTY('EngineEdition') = 8`) is not a box server: per
 * the "T-SQL differences between SQL Server and Azure SQL Managed Instance" page it refuses
 * files/filegroups/containment in CREATE DATABASE, SET OFFLINE / SINGLE_USER / RESTRICTED_USER,
 * RECOVERY SIMPLE / BULK_LOGGED, BACKUP other than `TO URL ... WITH COPY_ONLY`, RESTORE other than
 * `FROM URL` without WITH options, ALTER AVAILABILITY GROUP and extended stored procedures
 * (`xp_fileexist`): {@link MANAGED_INSTANCE_REFUSALS} says so, with the reason, and the
 * Database and HA manager apply it once the server's edition is known (the core's table is one
 * per engine: see {@link requireEditionFeature}).
 *
 * SQL Server's own extensions (shrink, DBCC CHECKDB, recovery model) are declared in the engine
 * definition (mssql-engine.ts), not in this table.
 *
 * @module
 */
import { UnsupportedOperationError, type Capabilities, type CommonFeature, type Feature } from '@gds/database';

/**
 * The SQL Server capability table: every common feature, supported or why not.
 *
 * ### Examples
 * ```ts
 * MSSQL_CAPABILITIES['backup.differential']; // true
 * ```
 */
export const MSSQL_CAPABILITIES: Capabilities = Object.freeze({
  create: true,
  drop: true,
  'drop.force': true,
  'state.offline': true,
  'access.singleUser': true,
  'access.restrictedUser': true,
  'backup.full': true,
  'backup.differential': true,
  'backup.incremental': "SQL Server's backups are full, differential (changes since the last full) and transaction log; use type 'differential' or 'transaction_log'",
  'backup.log': true,
  'backup.verify': true,
  'backup.progress': true,
  restore: true,
  'restore.pointInTime': true,
  schemas: true,
  tables: true,
  ha: true,
  'ha.failover': true,
  'ha.addNode': true,
  'ha.removeNode': true,
  'ha.syncMode': true,
});

/** A SQL Server release gds knows: its major version and what it accepts. */
export interface MssqlVersionRule {
  /** Product name. */
  name: string;
  /** `SERVERPROPERTY('ProductVersion')` major number. */
  major: number;
  /** Highest database compatibility level (ALTER DATABASE ... SET COMPATIBILITY_LEVEL). */
  maxCompatibilityLevel: number;
  /** Lowest compatibility level it accepts. */
  minCompatibilityLevel: number;
  /** sys.dm_hadr_database_replica_states has `secondary_lag_seconds`. */
  hasSecondaryLagSeconds: boolean;
}

/**
 * The releases gds supports (2016 to 2025) and Managed Instance, from the compatibility-level
 * table of `docs/t-sql/statements/alter-database-transact-sql-compatibility-level.md`.
 *
 * ### Examples
 * ```ts
 * MSSQL_VERSION_RULES.find((r) => r.major === 15)?.maxCompatibilityLevel; // 150
 * ```
 */
export const MSSQL_VERSION_RULES: readonly MssqlVersionRule[] = Object.freeze([
  { name: 'SQL Server 2016', major: 13, minCompatibilityLevel: 100, maxCompatibilityLevel: 130, hasSecondaryLagSeconds: true },
  { name: 'SQL Server 2017', major: 14, minCompatibilityLevel: 100, maxCompatibilityLevel: 140, hasSecondaryLagSeconds: true },
  { name: 'SQL Server 2019', major: 15, minCompatibilityLevel: 100, maxCompatibilityLevel: 150, hasSecondaryLagSeconds: true },
  { name: 'SQL Server 2022', major: 16, minCompatibilityLevel: 100, maxCompatibilityLevel: 160, hasSecondaryLagSeconds: true },
  { name: 'SQL Server 2025', major: 17, minCompatibilityLevel: 100, maxCompatibilityLevel: 170, hasSecondaryLagSeconds: true },
].map((r) => Object.freeze(r)));

/** `SERVERPROPERTY('EngineEdition')` of Azure SQL Managed Instance. */
export const ENGINE_EDITION_MANAGED_INSTANCE = 8;

/**
 * Managed Instance: "Supported compatibility levels are 100, 110, 120, 130, 140 and 150"
 * (azure-sql/managed-instance/transact-sql-tsql-differences-sql-server.md, as read; newer
 * instances may accept more, the docs win until they say so).
 */
export const MANAGED_INSTANCE_RULE: MssqlVersionRule = Object.freeze({ name: 'Azure SQL Managed Instance', major: 0, minCompatibilityLevel: 100, maxCompatibilityLevel: 150, hasSecondaryLagSeconds: true });

/** Recovery models Managed Instance accepts: only FULL ("RECOVERY BULK_LOGGED", "RECOVERY_SIMPLE" can't be modified). */
export const MANAGED_INSTANCE_RECOVERY_MODELS: readonly string[] = Object.freeze(['full']);

/**
 * The rule for a server: Managed Instance by its engine edition, else by major version (a
 * newer major than gds knows gets the newest rule).
 *
 * ### Examples
 * ```ts
 * versionRule(15, 3).maxCompatibilityLevel; // 150
 * ```
 */
export function versionRule(major: number, engineEdition: number): MssqlVersionRule {
  if (engineEdition === ENGINE_EDITION_MANAGED_INSTANCE) return MANAGED_INSTANCE_RULE;
  const known = MSSQL_VERSION_RULES.find((r) => r.major === major);
  if (known) return known;
  const newest = MSSQL_VERSION_RULES[MSSQL_VERSION_RULES.length - 1] as MssqlVersionRule;
  const oldest = MSSQL_VERSION_RULES[0] as MssqlVersionRule;
  return major > newest.major ? newest : oldest;
}

const MI = 'Azure SQL Managed Instance';

/**
 * What Managed Instance refuses (from the T-SQL differences page), feature by feature; it
 * supports everything else a box server does.
 *
 * ### Examples
 * ```ts
 * MANAGED_INSTANCE_REFUSALS['state.offline']; // "Azure SQL Managed Instance does not support ALTER DATABASE ... SET OFFLINE"
 * ```
 */
export const MANAGED_INSTANCE_REFUSALS: Readonly<Partial<Record<CommonFeature, string>>> = Object.freeze({
  'state.offline': `${MI} does not support ALTER DATABASE ... SET OFFLINE`,
  'access.singleUser': `${MI} does not support ALTER DATABASE ... SET SINGLE_USER (MULTI_USER is fixed)`,
  'access.restrictedUser': `${MI} does not support ALTER DATABASE ... SET RESTRICTED_USER (MULTI_USER is fixed)`,
  'backup.full': `${MI} backs up only TO URL ... WITH COPY_ONLY (Azure Blob Storage), not to a file: gds does not wrap BACKUP TO URL yet`,
  'backup.differential': `${MI} takes differential and log backups itself (automated backups); user backups are COPY_ONLY TO URL only`,
  'backup.log': `${MI} takes log backups itself (automated backups); BACKUP LOG is refused`,
  'backup.verify': `${MI} reads backups only FROM URL: RESTORE VERIFYONLY FROM DISK is refused`,
  'backup.progress': `${MI} user backups go TO URL only, which gds does not wrap`,
  restore: `${MI} restores only FROM URL, without WITH options (no REPLACE, NORECOVERY, STATS) and without RESTORE LOG: gds does not wrap RESTORE FROM URL yet`,
  'restore.pointInTime': `${MI} restores to a point in time through its own point-in-time restore (Azure API), not RESTORE ... STOPAT`,
  'ha.failover': `${MI} manages its own replicas: ALTER AVAILABILITY GROUP is refused (use a failover group through Azure)`,
  'ha.addNode': `${MI} manages its own replicas: ALTER AVAILABILITY GROUP is refused`,
  'ha.removeNode': `${MI} manages its own replicas: ALTER AVAILABILITY GROUP is refused`,
  'ha.syncMode': `${MI} manages its own replicas: ALTER AVAILABILITY GROUP is refused`,
});

/**
 * Why a server of `engineEdition` refuses `feature` although the engine supports it
 * (Managed Instance), or `undefined`.
 *
 * ### Examples
 * ```ts
 * editionRefusal(8, 'restore'); // a reason: Managed Instance restores only FROM URL
 * editionRefusal(3, 'restore'); // undefined
 * ```
 */
export function editionRefusal(engineEdition: number | undefined, feature: Feature): string | undefined {
  return engineEdition === ENGINE_EDITION_MANAGED_INSTANCE ? (MANAGED_INSTANCE_REFUSALS as Readonly<Record<string, string | undefined>>)[feature] : undefined;
}

/**
 * Throws UnsupportedOperationError (worded as the core's capability check) when the server's
 * edition refuses `feature`.
 *
 * ### Examples
 * ```ts
 * requireEditionFeature(conn.knownVersion?.engineEdition, 'state.offline', 'setOffline');
 * ```
 */
export function requireEditionFeature(engineEdition: number | undefined, feature: Feature, operation: string): void {
  const reason = editionRefusal(engineEdition, feature);
  if (reason !== undefined) throw new UnsupportedOperationError(`mssql does not support ${operation} (${feature}): ${reason}`, { engine: 'mssql', operation });
}

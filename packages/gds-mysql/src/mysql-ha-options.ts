/**
 * The time limits of MySQL/MariaDB replication management and the options of its HA reads
 * (see mysql-ha.ts for the rules as a whole).
 *
 * @module
 */
import { ReadOptionsSchema, extendOptions, type RuntimeOptions } from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

/**
 * A replica more than this many seconds behind (`Seconds_Behind_Master/Source`) is not healthy,
 * unless the read option `maxLagSeconds` says otherwise.
 *
 * ### Examples
 * ```ts
 * const late = Object.entries(await db.ha!.monitorLag()).filter(([, s]) => s > HEALTHY_LAG_SECONDS);
 * ```
 */
export const HEALTHY_LAG_SECONDS = 30;

/**
 * How long a failover waits, after fencing the old primary, for the target to apply what it logged.
 *
 * ### Examples
 * ```ts
 * await db.ha!.failover({ target: '10.0.0.2:3306', timeoutMs: FAILOVER_CATCH_UP_MS + 60_000 });
 * ```
 */
export const FAILOVER_CATCH_UP_MS = 5_000;

/**
 * How long addNode waits for the new replica's IO and SQL threads to run.
 *
 * ### Examples
 * ```ts
 * await db.ha!.addNode({ name: 'mariadb://root@10.0.0.3:3306/', replicationUser: 'repl', replicationPassword: pw }, { timeoutMs: ADD_NODE_CONNECT_MS + 30_000 });
 * ```
 */
export const ADD_NODE_CONNECT_MS = 10_000;

/**
 * Schema of the options of the MySQL/MariaDB HA reads: {@link ReadOptionsSchema} plus
 * `maxLagSeconds` and `expectedReplicas`.
 *
 * ### Examples
 * ```ts
 * await db.ha!.isHealthy({ maxLagSeconds: 5, expectedReplicas: ['10.0.0.2:3306', '10.0.0.3:3306'] } as MySQLHAReadOptions);
 * ```
 */
export const MySQLHAReadOptionsSchema = extendOptions(ReadOptionsSchema, {
  maxLagSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483, description: `A replica further behind (Seconds_Behind_Master/Source) is not healthy. Defaults to ${HEALTHY_LAG_SECONDS}.` })),
  expectedReplicas: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
      maxItems: 1000,
      description: 'Replicas the primary should have, as host:port (their report_host:report_port) or server_id:<n>; one not connected is a missing node.',
    }),
  ),
});
/** Options of the MySQL/MariaDB HA reads. */
export type MySQLHAReadOptions = Static<typeof MySQLHAReadOptionsSchema> & RuntimeOptions;

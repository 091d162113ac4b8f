/**
 * The limits of PostgreSQL replication management and the options of its HA reads (see
 * postgres-ha.ts for the rules as a whole).
 *
 * @module
 */
import { ReadOptionsSchema, extendOptions, type RuntimeOptions } from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

/**
 * A standby more than this many bytes behind in replay is not healthy (one default WAL segment).
 *
 * ### Examples
 * ```ts
 * const late = (await db.ha!.getAllNodes()).filter((n) => Number(n.metadata.lagBytes) > HEALTHY_LAG_BYTES);
 * ```
 */
export const HEALTHY_LAG_BYTES = 16 * 1024 * 1024;

/**
 * How long failover waits for a streaming target to replay what the primary had written when asked.
 *
 * ### Examples
 * ```ts
 * await db.ha!.failover({ target, timeoutMs: FAILOVER_CATCH_UP_MS + 60_000 });
 * ```
 */
export const FAILOVER_CATCH_UP_MS = 5_000;

/**
 * The least time without a reply from a standby before it is not healthy, whatever
 * `wal_receiver_status_interval` says (a standby replies at least that often, and when the
 * walsender asks, at half of `wal_sender_timeout`).
 *
 * ### Examples
 * ```ts
 * await db.ha!.isHealthy(); // a standby silent for MIN_REPLY_TIMEOUT_MS or more is not healthy
 * ```
 */
export const MIN_REPLY_TIMEOUT_MS = 30_000;

/**
 * Schema of the options of the PostgreSQL HA reads: {@link ReadOptionsSchema} plus `replyTimeoutMs`.
 *
 * ### Examples
 * ```ts
 * await (db.ha as PostgreSQLReplicationManager).getAllNodes({ replyTimeoutMs: 5_000 });
 * ```
 */
export const PostgreSQLHAReadOptionsSchema = extendOptions(ReadOptionsSchema, {
  replyTimeoutMs: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 2_147_483_647,
      description:
        'A streaming standby that has not replied (pg_stat_replication.reply_time) for longer is not healthy. Defaults to 3 × wal_receiver_status_interval as this server reads it (10 s by default), at least 30 s.',
    }),
  ),
});
/** Options of the PostgreSQL HA reads: {@link PostgreSQLHAReadOptionsSchema} plus {@link RuntimeOptions}. */
export type PostgreSQLHAReadOptions = Static<typeof PostgreSQLHAReadOptionsSchema> & RuntimeOptions;

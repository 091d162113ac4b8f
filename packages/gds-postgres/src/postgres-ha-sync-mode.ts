/**
 * `setSyncMode` of PostgreSQL streaming replication: `synchronous_standby_names` set to
 * `ANY 1 (...)` of the standbys streaming now, or emptied for asynchronous commits, then the
 * configuration reloaded and waited for; PostgreSQL has no semi-synchronous mode (see
 * postgres-ha.ts for the rules as a whole).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncMode, UnsupportedOperationError, ValidationError } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import type { PostgreSQLConnection } from './postgres-connection.js';
import { isStandby } from './postgres-ha-topology.js';
import { quoteIdentifier } from './postgres-quote.js';
import { RELOAD_CONF, setSynchronousStandbyNames } from './postgres-statements.js';

/** How long setSyncMode waits for the server to load the new synchronous_standby_names. */
const SYNC_RELOAD_WAIT_MS = 10_000;

/**
 * Sets synchronous commits (`ANY 1` of the standbys streaming now; refused when none is) or
 * asynchronous ones, and waits until the server has loaded the new setting.
 *
 * ### Examples
 * ```ts
 * await setSyncMode(ctx, pg, SyncMode.SYNCHRONOUS); // synchronous_standby_names = 'ANY 1 (s1, s2)'
 * ```
 */
export async function setSyncMode(ctx: OperationContext, pg: PostgreSQLConnection, mode: SyncMode): Promise<OperationOutcome> {
  if (mode === SyncMode.SEMI_SYNCHRONOUS) {
    throw new UnsupportedOperationError('postgresql has no semi-synchronous mode: use synchronous (with synchronous_commit = remote_write for a lighter wait) or asynchronous', {
      engine: 'postgresql',
      operation: 'setSyncMode',
    });
  }
  if (await isStandby(pg, ctx.signal)) {
    throw new ValidationError('Invalid server for setSyncMode', [{ path: '', message: 'this server is a standby; set the sync mode on the primary' }], { engine: 'postgresql' });
  }
  let names = '';
  if (mode === SyncMode.SYNCHRONOUS) {
    const rows = await pg.query<{ name: string }>("select application_name as name from pg_catalog.pg_stat_replication where state = 'streaming' order by 1", [], { signal: ctx.signal });
    if (rows.length === 0) {
      throw new ValidationError('Refusing synchronous mode', [{ path: '', message: 'no standby is streaming: every commit would wait forever' }], {
        engine: 'postgresql',
        hint: 'start a standby first',
      });
    }
    names = `ANY 1 (${rows.map((r) => quoteIdentifier(r.name, 'application_name')).join(', ')})`;
  }
  await ctx.step(setSynchronousStandbyNames(names), (st) => pg.query(st.text, st.params, { signal: ctx.signal }));
  await ctx.step(RELOAD_CONF, async (st) => {
    await pg.query(st.text, st.params, { signal: ctx.signal });
    await waitForSyncNames(pg, names, ctx.signal);
  });
  return { message: mode === SyncMode.SYNCHRONOUS ? `commits now wait for one of: ${names}` : 'commits no longer wait for standbys' };
}

/**
 * pg_reload_conf() only signals the postmaster, which rereads the configuration and signals
 * every backend later: without waiting, a commit or a getConfiguration() right after
 * setSyncMode() could still see the old value.
 */
async function waitForSyncNames(pg: PostgreSQLConnection, names: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + SYNC_RELOAD_WAIT_MS;
  for (;;) {
    const rows = await pg.query<{ v: string }>("select current_setting('synchronous_standby_names') as v", [], { signal });
    if (rows[0]?.v === names) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `synchronous_standby_names is still '${rows[0]?.v ?? ''}' ${SYNC_RELOAD_WAIT_MS / 1000} s after pg_reload_conf(): is it set on the server's command line, which overrides ALTER SYSTEM?`,
      );
    }
    await sleep(20, undefined, { signal });
  }
}

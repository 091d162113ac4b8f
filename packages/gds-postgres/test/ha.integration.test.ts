// PostgreSQLReplicationManager against a real primary + streaming standby (a throwaway local
// cluster): the views from both sides, lag that moves, sync mode, slots, failover, cancellation.
// Set GDS_TEST_TIMINGS=1 to print what was measured (file duration, replication delay).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DatabaseManager,
  HARole,
  OperationCancelledError,
  OperationTimeoutError,
  SyncMode,
  UnsupportedOperationError,
  ValidationError,
  type Database,
  type HAConfiguration,
  type HANodeInfo,
  type HighAvailabilityManager,
} from '@gds/database';
import { findPostgresBinaries, postgresMissingReason, startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection } from '../src/index.js';

const START_TIMEOUT = 120_000;
const TEST_TIMEOUT = 60_000;
const ROWS = 200_000;

const binaries = findPostgresBinaries();
const describePg = binaries ? describe : describe.skip;
if (!binaries) console.log(`skipping PostgreSQL HA tests: ${postgresMissingReason()}`);

/** Retries `probe` every 20 ms until it returns something other than undefined, or `ms` passes. */
async function poll<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(20);
  }
}

/** Rejects if `work` has not settled within `ms` (a hung synchronous commit must fail the test, not the suite). */
async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function standbyOf(cfg: HAConfiguration | undefined): HANodeInfo | undefined {
  return cfg?.nodes.find((n) => n.role === HARole.STANDBY);
}

describePg('PostgreSQL streaming replication (real primary + standby)', () => {
  const fileStarted = performance.now();
  const measured: Record<string, unknown> = {};
  const managers: DatabaseManager[] = [];
  let cluster: PostgresCluster;
  let primaryUrl: string;
  let standbyUrl: string;
  let primaryDb: Database;
  let standbyDb: Database;
  let primaryHa: HighAvailabilityManager;
  let standbyHa: HighAvailabilityManager;
  let primaryPg: PostgreSQLConnection;
  let standbyPg: PostgreSQLConnection;

  async function open(url: string): Promise<{ db: Database; pg: PostgreSQLConnection }> {
    const manager = await DatabaseManager.connect(url);
    managers.push(manager);
    return { db: manager.getDatabase('postgres'), pg: manager.connection as PostgreSQLConnection };
  }

  async function show(pg: PostgreSQLConnection, setting: string): Promise<string> {
    const rows = await pg.query<{ v: string }>('select current_setting($1) as v', [setting]);
    return rows[0]!.v;
  }

  beforeAll(async () => {
    cluster = await startPostgres({ standby: true });
    measured.clusterStartMs = cluster.timings;
    primaryUrl = cluster.primary.url('postgres');
    standbyUrl = cluster.standby!.url('postgres');
    ({ db: primaryDb, pg: primaryPg } = await open(primaryUrl));
    ({ db: standbyDb, pg: standbyPg } = await open(standbyUrl));
    primaryHa = primaryDb.ha!;
    standbyHa = standbyDb.ha!;
  }, START_TIMEOUT);

  afterAll(async () => {
    for (const manager of managers) await manager.close();
    await cluster?.stop();
    measured.fileMs = Math.round(performance.now() - fileStarted);
    if (process.env.GDS_TEST_TIMINGS) console.log(`ha.integration timings: ${JSON.stringify(measured)}`);
  }, START_TIMEOUT);

  it('reports the primary and its streaming standby from the primary', async () => {
    expect(primaryDb.supportsHighAvailability()).toBe(true);

    const cfg = await primaryHa.getConfiguration();
    expect(cfg).toBeDefined();
    expect(cfg!.type).toBe('streaming_replication');
    expect(cfg!.metadata.viewedFrom).toBe('primary');
    expect(cfg!.nodes).toHaveLength(2);
    expect(cfg!.nodes.filter((n) => n.role === HARole.PRIMARY)).toHaveLength(1);
    expect(cfg!.nodes.filter((n) => n.role === HARole.STANDBY)).toHaveLength(1);

    const standby = standbyOf(cfg)!;
    expect(typeof standby.lagSeconds).toBe('number');
    expect(standby.lagSeconds!).toBeGreaterThanOrEqual(0);
    expect(typeof standby.metadata.lagBytes).toBe('number');
    expect(standby.metadata.state).toBe('streaming');
    expect(standby.isHealthy).toBe(true);

    const primary = await primaryHa.getPrimaryNode();
    expect(primary).toBeDefined();
    expect(primary!.role).toBe(HARole.PRIMARY);
    expect(primary!.endpoint).toBe(`127.0.0.1:${cluster.primary.port}`);

    expect(await primaryHa.isHealthy()).toBe(true);
    expect(await primaryHa.getStatus()).toBe('healthy');

    const lag = await primaryHa.monitorLag();
    const entries = Object.entries(lag);
    expect(entries).toHaveLength(1);
    expect(entries[0]![0]).toBe(standby.nodeName);
    expect(Number.isFinite(entries[0]![1])).toBe(true);
  });

  it('reports itself and its upstream primary from the standby', async () => {
    const cfg = await standbyHa.getConfiguration();
    expect(cfg).toBeDefined();
    expect(cfg!.type).toBe('streaming_replication');
    expect(cfg!.metadata.viewedFrom).toBe('standby');

    const self = cfg!.nodes.find((n) => n.metadata.self === true);
    expect(self).toBeDefined();
    expect(self!.role).toBe(HARole.STANDBY);
    expect(self!.endpoint).toBe(`127.0.0.1:${cluster.standby!.port}`);
    expect(typeof self!.lagSeconds).toBe('number');
    expect(self!.lagSeconds!).toBeGreaterThanOrEqual(0);

    const upstream = cfg!.nodes.find((n) => n.role === HARole.PRIMARY);
    expect(upstream).toBeDefined();
    expect(upstream!.metadata.upstream).toBe(true);
    expect(Number(upstream!.endpoint.split(':').pop())).toBe(cluster.primary.port);

    const primary = await standbyHa.getPrimaryNode();
    expect(primary).toEqual(upstream);
    expect(await standbyHa.isHealthy()).toBe(true);
    expect(Object.keys(await standbyHa.monitorLag())).toEqual([self!.nodeName]);
  });

  it(
    'with the primary frozen (its connections stay open, the wal receiver still says streaming), the read-out from the standby is not healthy: the primary was not reached',
    async () => {
      expect(await standbyHa.isHealthy()).toBe(true);
      const postmaster = (await cluster.primary.pid())!;
      const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).trim().split('\n').map(Number);
      const frozen = [postmaster, ...children];
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      try {
        const receiver = async () => (await standbyPg.query<{ status: string }>('select status from pg_catalog.pg_stat_wal_receiver'))[0]?.status;
        expect(await receiver()).toBe('streaming'); // the standby has not noticed (wal_receiver_timeout, 60 s)
        const started = performance.now();
        const nodes = await standbyHa.getAllNodes();
        const upstream = nodes.find((n) => n.role === HARole.PRIMARY)!;
        expect(upstream).toMatchObject({ isHealthy: false, state: 'unknown', metadata: { upstream: true, reachable: false, status: 'streaming' } });
        expect(String(upstream.metadata.reason)).toMatch(/^not reached from here \(.+\); the wal receiver says streaming$/);
        expect(await standbyHa.isHealthy()).toBe(false);
        expect(await receiver()).toBe('streaming'); // still: only gds's own probe told
        measured.frozenPrimaryReadMs = Math.round(performance.now() - started);
      } finally {
        for (const pid of frozen) process.kill(pid, 'SIGCONT');
      }
      expect(await poll(async () => ((await standbyHa.isHealthy()) ? true : undefined), 30_000)).toBe(true);
      const upstream = (await standbyHa.getAllNodes()).find((n) => n.role === HARole.PRIMARY)!;
      expect(upstream.metadata).toMatchObject({ reachable: true, inRecovery: false });
      // the probe compared clusters: the upstream's system identifier is this standby's
      const [own] = await standbyPg.query<{ id: string }>('select system_identifier::text as id from pg_catalog.pg_control_system()');
      expect(upstream.metadata.systemIdentifier).toBe(own!.id);
    },
    TEST_TIMEOUT,
  );

  it(
    'replicates a 200k-row write to the standby, and the lag returns to nothing',
    async () => {
      await primaryPg.query('create table public.ha_bulk (id int primary key, payload text not null)');
      const started = performance.now();
      await primaryPg.query(`insert into public.ha_bulk select g, repeat(md5(g::text), 3) from generate_series(1, $1::int) g`, [ROWS]);
      const committed = performance.now();
      measured.insertMs = Math.round(committed - started);

      let maxLagBytes = 0;
      let maxLagSeconds = 0;
      let samples = 0;
      const visible = await poll(async () => {
        const [cfg, rows] = await Promise.all([
          primaryHa.getConfiguration(),
          standbyPg.query<{ ok: boolean }>('select exists (select 1 from public.ha_bulk where id = $1) as ok', [ROWS]),
        ]);
        const node = standbyOf(cfg);
        samples += 1;
        maxLagBytes = Math.max(maxLagBytes, Number(node?.metadata.lagBytes ?? 0));
        maxLagSeconds = Math.max(maxLagSeconds, node?.lagSeconds ?? 0);
        return rows[0]?.ok === true ? performance.now() : undefined;
      }, 30_000);
      expect(visible).toBeDefined();
      measured.replicationDelayMs = Math.round(visible! - committed);
      measured.maxLagBytesSeen = maxLagBytes;
      measured.maxLagSecondsSeen = maxLagSeconds;
      measured.lagSamples = samples;

      const count = await standbyPg.query<{ n: string }>('select count(*) as n from public.ha_bulk');
      expect(Number(count[0]!.n)).toBe(ROWS);

      // once replayed, the primary sees no byte lag and monitorLag reports a finite number (the
      // standby may report its replay position only every wal_receiver_status_interval = 10 s)
      const waitStarted = performance.now();
      const caughtUp = await poll(async () => {
        const node = standbyOf(await primaryHa.getConfiguration());
        return node?.metadata.lagBytes === 0 ? node : undefined;
      }, 15_000);
      expect(caughtUp).toBeDefined();
      measured.primarySeesCaughtUpMs = Math.round(performance.now() - waitStarted);
      const lag = Object.values(await primaryHa.monitorLag());
      expect(lag).toHaveLength(1);
      expect(Number.isFinite(lag[0])).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'switches between asynchronous and synchronous commit',
    async () => {
      expect((await primaryHa.getConfiguration())!.syncMode).toBe(SyncMode.ASYNCHRONOUS);

      const dry = await primaryHa.setSyncMode(SyncMode.SYNCHRONOUS, { dryRun: true });
      expect(dry.dryRun).toBe(true);
      expect(dry.statements.some((s) => s.includes('ALTER SYSTEM SET synchronous_standby_names'))).toBe(true);
      expect(await show(primaryPg, 'synchronous_standby_names')).toBe('');
      expect((await primaryHa.getConfiguration())!.syncMode).toBe(SyncMode.ASYNCHRONOUS);

      const on = await primaryHa.setSyncMode(SyncMode.SYNCHRONOUS);
      expect(on.success).toBe(true);
      expect(on.dryRun).toBe(false);
      expect(await show(primaryPg, 'synchronous_standby_names')).not.toBe('');
      expect((await primaryHa.getConfiguration())!.syncMode).toBe(SyncMode.SYNCHRONOUS);
      const syncState = await poll(async () => {
        const state = standbyOf(await primaryHa.getConfiguration())?.metadata.syncState;
        return state === 'sync' || state === 'quorum' ? state : undefined;
      }, 5_000);
      expect(['sync', 'quorum']).toContain(syncState);

      // a commit now waits for the standby, and the standby answers: it must not hang
      const started = performance.now();
      await within(primaryPg.query("create table public.ha_sync_write as select 1 as id, 'synchronous' as note"), 10_000, 'synchronous commit');
      measured.syncCommitMs = Math.round(performance.now() - started);

      const off = await primaryHa.setSyncMode(SyncMode.ASYNCHRONOUS);
      expect(off.success).toBe(true);
      expect(await show(primaryPg, 'synchronous_standby_names')).toBe('');
      expect((await primaryHa.getConfiguration())!.syncMode).toBe(SyncMode.ASYNCHRONOUS);

      await expect(primaryHa.setSyncMode(SyncMode.SEMI_SYNCHRONOUS)).rejects.toBeInstanceOf(UnsupportedOperationError);
      await expect(standbyHa.setSyncMode(SyncMode.SYNCHRONOUS)).rejects.toBeInstanceOf(ValidationError);
      expect(await show(primaryPg, 'synchronous_standby_names')).toBe('');
    },
    TEST_TIMEOUT,
  );

  it('removes a node by dropping its replication slot, and refuses addNode', async () => {
    const slots = async () => (await primaryPg.query<{ slot_name: string }>('select slot_name from pg_catalog.pg_replication_slots order by 1')).map((r) => r.slot_name);
    await primaryPg.query("select pg_catalog.pg_create_physical_replication_slot('gds_extra_slot')");
    expect(await slots()).toContain('gds_extra_slot');

    const dry = await primaryHa.removeNode('gds_extra_slot', { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.statements).toContain("select pg_catalog.pg_drop_replication_slot($1) -- $1 = 'gds_extra_slot'");
    expect(await slots()).toContain('gds_extra_slot');

    const removed = await primaryHa.removeNode('gds_extra_slot');
    expect(removed.success).toBe(true);
    expect(await slots()).not.toContain('gds_extra_slot');

    await expect(primaryHa.removeNode('no_such_node')).rejects.toBeInstanceOf(ValidationError);

    const add = primaryHa.addNode({ name: 'x' });
    await expect(add).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(add).rejects.toThrow(/pg_basebackup/);

    // the real standby was left alone
    expect(await primaryHa.isHealthy()).toBe(true);
  });

  it('honours cancellation and timeouts on reads', async () => {
    await expect(primaryHa.getConfiguration({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(OperationCancelledError);
    await expect(standbyHa.getAllNodes({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(OperationCancelledError);

    // 1 ms may or may not be enough: either answer is fine, anything else is not
    const outcome = await primaryHa.getAllNodes({ timeoutMs: 1 }).then(
      (nodes) => ({ nodes }),
      (error: unknown) => ({ error }),
    );
    if ('error' in outcome) expect(outcome.error).toBeInstanceOf(OperationTimeoutError);
    else expect(outcome.nodes.length).toBeGreaterThanOrEqual(1);

    // the connection is still usable after a timed-out read
    expect(await primaryHa.getStatus({ timeoutMs: 10_000 })).toBe('healthy');
  });

  it(
    'fails over by promoting the standby (last: it changes the topology)',
    async () => {
      await expect(primaryHa.failover()).rejects.toBeInstanceOf(ValidationError);
      await expect(primaryHa.failover({ target: primaryUrl })).rejects.toBeInstanceOf(ValidationError);

      const dry = await primaryHa.failover({ target: standbyUrl, dryRun: true });
      expect(dry.dryRun).toBe(true);
      expect(dry.statements.some((s) => s.includes('pg_promote'))).toBe(true);
      const inRecovery = async () => (await standbyPg.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r'))[0]!.r;
      expect(await inRecovery()).toBe(true);

      const started = performance.now();
      const result = await primaryHa.failover({ target: standbyUrl });
      measured.failoverMs = Math.round(performance.now() - started);
      expect(result.success).toBe(true);
      expect(result.statements.some((s) => s.includes('pg_promote'))).toBe(true);
      expect(await inRecovery()).toBe(false);

      // the former standby takes writes, and still has the replicated data
      await standbyPg.query('create table public.after_failover (id int primary key)');
      await standbyPg.query('insert into public.after_failover values (1), (2)');
      const rows = await standbyPg.query<{ n: string }>('select (select count(*) from public.after_failover) + (select count(*) from public.ha_bulk) as n');
      expect(Number(rows[0]!.n)).toBe(ROWS + 2);

      // and now sees itself as a primary without standbys
      expect(await standbyHa.getConfiguration()).toBeUndefined();
      expect(await standbyHa.getStatus()).toBe('unknown');
      expect((await standbyHa.getPrimaryNode())?.endpoint).toBe(`127.0.0.1:${cluster.standby!.port}`);
    },
    TEST_TIMEOUT,
  );
});

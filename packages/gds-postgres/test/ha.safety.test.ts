// Adversarial: HA that tells the truth, against a real PostgreSQL 15 primary with two streaming
// standbys (issue 12, items 11-13). Standbys are disconnected by emptying their primary_conninfo
// (PostgreSQL 13+ reloads it and stops the walreceiver), replay is paused with
// pg_wal_replay_pause(), and each check reads the servers' state afterwards.
// Set GDS_TEST_TIMINGS=1 to print what was measured.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseManager, HARole, HAState, ValidationError, type HANodeInfo, type HighAvailabilityManager } from '@gds/database';
import { findPostgresBinaries, postgresMissingReason, startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import { HEALTHY_LAG_BYTES, type PostgreSQLConnection, type PostgreSQLReplicationManager } from '../src/index.js';

const binaries = findPostgresBinaries();
const describePg = binaries ? describe : describe.skip;
if (!binaries) console.log(`skipping PostgreSQL HA safety tests: ${postgresMissingReason()}`);

const TEST_TIMEOUT = 90_000;
const SLOT = 'gds_standby_two';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

async function refusal(work: Promise<unknown>): Promise<ValidationError> {
  const outcome = await work.then(
    () => new Error('accepted'),
    (error: unknown) => error,
  );
  expect(ValidationError.isInstance(outcome)).toBe(true);
  return outcome as ValidationError;
}

const evidence = JSON.parse(readFileSync(join(__dirname, 'evidence', 'ha-and-names.json'), 'utf8')) as {
  rules: { id: string; defaultSeconds?: number; minimumReplyTimeoutSeconds?: number; factor?: number }[];
};
const standbys = (nodes: HANodeInfo[]) => nodes.filter((n) => n.role === HARole.STANDBY);

describePg('HA that tells the truth (real primary + two streaming standbys)', () => {
  const measured: Record<string, unknown> = {};
  const managers: DatabaseManager[] = [];
  let cluster: PostgresCluster;
  let primaryPg: PostgreSQLConnection;
  let primaryHa: HighAvailabilityManager;
  const standbyPg: PostgreSQLConnection[] = [];
  const standbyHa: HighAvailabilityManager[] = [];
  const conninfo: string[] = [];

  async function open(url: string): Promise<{ pg: PostgreSQLConnection; ha: HighAvailabilityManager }> {
    const manager = await DatabaseManager.connect(url);
    managers.push(manager);
    return { pg: manager.connection as PostgreSQLConnection, ha: manager.getDatabase('postgres').ha! };
  }

  const streamingCount = async () => Number((await primaryPg.query<{ n: string }>("select count(*) as n from pg_catalog.pg_stat_replication where state = 'streaming'"))[0]!.n);
  const inRecovery = async (pg: PostgreSQLConnection) => (await pg.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r'))[0]!.r;
  const receiverStatus = async (pg: PostgreSQLConnection) => (await pg.query<{ s: string | null }>('select (select status from pg_catalog.pg_stat_wal_receiver) as s'))[0]!.s;

  /** Stops (value '') or restarts the standby's walreceiver by setting its primary_conninfo. */
  async function setConninfo(i: number, value: string): Promise<void> {
    const pg = standbyPg[i]!;
    await pg.query(`alter system set primary_conninfo = '${value.replaceAll("'", "''")}'`);
    await pg.query('select pg_catalog.pg_reload_conf()');
    if (value === '') await waitFor(`standby ${i + 1} stops streaming`, async () => (await receiverStatus(pg)) === null);
    else await waitFor(`standby ${i + 1} streams again`, async () => (await receiverStatus(pg)) === 'streaming');
  }

  /** Writes about `mb` MB of WAL on the primary. */
  async function write(mb: number, table = 'public.ha_load'): Promise<void> {
    await primaryPg.query(`create table if not exists ${table} (id bigserial primary key, payload text not null)`);
    await primaryPg.query(`insert into ${table} (payload) select repeat(md5(g::text), 8) from generate_series(1, $1::int) g`, [Math.round(mb * 3000)]);
  }

  beforeAll(async () => {
    cluster = await startPostgres({ standbys: 2 });
    measured.clusterStartMs = cluster.timings;
    ({ pg: primaryPg, ha: primaryHa } = await open(cluster.primary.url('postgres')));
    for (const node of cluster.standbys) {
      const { pg, ha } = await open(node.url('postgres'));
      standbyPg.push(pg);
      standbyHa.push(ha);
      conninfo.push((await pg.query<{ v: string }>("select current_setting('primary_conninfo') as v"))[0]!.v);
    }
    await waitFor('two standbys streaming', async () => (await streamingCount()) === 2);
  }, 180_000);

  afterAll(async () => {
    for (const manager of managers) await manager.close();
    await cluster?.stop();
    if (process.env.GDS_TEST_TIMINGS) console.log(`ha.safety measured: ${JSON.stringify(measured)}`);
  }, 60_000);

  it(
    'health counts gone standbys, replay paused and bytes behind, and standbys expected by slot or synchronous_standby_names',
    async () => {
      expect(await primaryHa.isHealthy()).toBe(true);

      // one of two standbys gone, with no slot and no synchronous name: nothing says it should
      // exist, so it is no longer listed and the primary stays healthy (the README's rule)
      await setConninfo(0, '');
      await waitFor('primary sees one standby', async () => (await streamingCount()) === 1);
      expect(standbys(await primaryHa.getAllNodes())).toHaveLength(1);
      expect(await primaryHa.isHealthy()).toBe(true);
      // a primary whose standbys are all gone (no slot, no synchronous name) is not healthy
      await setConninfo(1, '');
      await waitFor('primary sees no standby', async () => (await streamingCount()) === 0);
      expect(await primaryHa.isHealthy()).toBe(false);
      expect(await primaryHa.getStatus()).not.toBe(HAState.HEALTHY);
      await setConninfo(0, conninfo[0]!);
      await setConninfo(1, conninfo[1]!);
      await waitFor('two standbys streaming', async () => (await streamingCount()) === 2);
      expect(await primaryHa.isHealthy()).toBe(true);

      // replay paused on standby 1, then MBs written: not healthy from either side, and the lag counts bytes
      await standbyPg[0]!.query('select pg_catalog.pg_wal_replay_pause()');
      await write(24);
      const fromStandby = await waitFor('standby 1 received the WAL it does not replay', async () => {
        const self = (await standbyHa[0]!.getAllNodes()).find((n) => n.metadata.self === true)!;
        return Number(self.metadata.pendingBytes) > HEALTHY_LAG_BYTES ? self : undefined;
      });
      expect(fromStandby.isHealthy).toBe(false);
      expect(fromStandby.state).toBe(HAState.SUSPENDED);
      expect(fromStandby.metadata.replayPaused).toBe(true);
      expect(fromStandby.lagSeconds).toBeGreaterThan(0);
      expect(await standbyHa[0]!.isHealthy()).toBe(false);
      expect(await standbyHa[0]!.getStatus()).toBe(HAState.SUSPENDED);
      // the other standby replays the same MBs a moment later: wait until only the paused one is behind
      const behind = await waitFor('only the paused standby is behind', async () => {
        const late = standbys(await primaryHa.getAllNodes()).filter((n) => Number(n.metadata.lagBytes) > HEALTHY_LAG_BYTES);
        return late.length === 1 ? late : undefined;
      });
      expect(behind).toHaveLength(1);
      expect(behind[0]!.isHealthy).toBe(false);
      expect(behind[0]!.state).toBe(HAState.NOT_SYNCHRONIZED);
      expect(await primaryHa.isHealthy()).toBe(false);
      measured.pausedLagBytes = { fromPrimary: behind[0]!.metadata.lagBytes, fromStandby: fromStandby.metadata.pendingBytes, lagSecondsFromPrimary: behind[0]!.lagSeconds };
      // the server state behind it: replay really is paused and the rows are not there yet
      expect((await standbyPg[0]!.query<{ p: boolean }>('select pg_catalog.pg_is_wal_replay_paused() as p'))[0]!.p).toBe(true);
      const rows = async (pg: PostgreSQLConnection) => Number((await pg.query<{ n: string }>('select count(*) as n from public.ha_load').catch(() => [{ n: '0' }]))[0]!.n);
      expect(await rows(standbyPg[0]!)).toBeLessThan(await rows(primaryPg));
      await standbyPg[0]!.query('select pg_catalog.pg_wal_replay_resume()');
      await waitFor('standby 1 catches up', async () => standbys(await primaryHa.getAllNodes()).every((n) => n.isHealthy), 30_000);

      // standby 2 streams through a slot, then goes away: it is a missing node, not forgotten
      await primaryPg.query('select pg_catalog.pg_create_physical_replication_slot($1)', [SLOT]);
      await standbyPg[1]!.query(`alter system set primary_slot_name = '${SLOT}'`);
      await standbyPg[1]!.query('select pg_catalog.pg_reload_conf()');
      await waitFor('standby 2 uses the slot', async () => (await primaryPg.query('select 1 from pg_catalog.pg_replication_slots where slot_name = $1 and active', [SLOT])).length === 1);
      await setConninfo(1, '');
      await waitFor('slot released', async () => (await primaryPg.query('select 1 from pg_catalog.pg_replication_slots where slot_name = $1 and not active', [SLOT])).length === 1);
      const missing = (await primaryHa.getAllNodes()).find((n) => n.nodeName === SLOT)!;
      expect(missing).toMatchObject({ role: HARole.STANDBY, state: HAState.DISCONNECTED, isHealthy: false, metadata: { missing: true, slotName: SLOT } });
      expect(await primaryHa.isHealthy()).toBe(false);
      expect(await primaryHa.getStatus()).toBe(HAState.DISCONNECTED);
      await setConninfo(1, conninfo[1]!);
      await waitFor('standby 2 back on its slot', async () => (await primaryPg.query('select 1 from pg_catalog.pg_replication_slots where slot_name = $1 and active', [SLOT])).length === 1);

      // a name in synchronous_standby_names that no standby has is a missing node, and the
      // primary whose synchronous commits would wait for it is not healthy
      await primaryPg.query("alter system set synchronous_standby_names = 'FIRST 1 (ghost_standby)'");
      await primaryPg.query('select pg_catalog.pg_reload_conf()');
      try {
        const nodes = await waitFor('ghost expected', async () => {
          const all = await primaryHa.getAllNodes();
          return all.some((n) => n.nodeName === 'ghost_standby') ? all : undefined;
        });
        expect(nodes.find((n) => n.nodeName === 'ghost_standby')).toMatchObject({ state: HAState.DISCONNECTED, isHealthy: false, metadata: { missing: true, synchronousStandby: true } });
        expect(nodes.find((n) => n.role === HARole.PRIMARY)!.isHealthy).toBe(false);
        expect(await primaryHa.isHealthy()).toBe(false);
      } finally {
        await primaryPg.query('alter system reset synchronous_standby_names');
        await primaryPg.query('select pg_catalog.pg_reload_conf()');
        await waitFor('sync names reset', async () => (await primaryPg.query<{ v: string }>("select current_setting('synchronous_standby_names') as v"))[0]!.v === '');
      }
      await waitFor('healthy again', () => primaryHa.isHealthy());
    },
    TEST_TIMEOUT,
  );

  it(
    'node names are unique and stable, endpoints never pose as listen addresses, and status names are accepted as targets',
    async () => {
      // two standbys, both with PostgreSQL's default application_name
      const apps = await primaryPg.query<{ a: string }>('select application_name as a from pg_catalog.pg_stat_replication');
      expect(apps.map((r) => r.a)).toEqual(['walreceiver', 'walreceiver']);
      const first = standbys(await primaryHa.getAllNodes());
      const second = standbys(await primaryHa.getAllNodes());
      expect(first).toHaveLength(2);
      expect(new Set(first.map((n) => n.nodeName)).size).toBe(2);
      expect(second.map((n) => n.nodeName)).toEqual(first.map((n) => n.nodeName));
      // standby 2 streams through its slot (a stable name); standby 1 has the only default name on
      // its host, a name built from its client address: unique, but said not to be stable
      expect(first.map((n) => n.nodeName).sort()).toEqual([SLOT, 'walreceiver@127.0.0.1']);
      expect(first.find((n) => n.nodeName === SLOT)!.metadata).toMatchObject({ nameStable: true });
      expect(first.find((n) => n.nodeName === SLOT)!.metadata.nameHint).toBeUndefined();
      expect(first.find((n) => n.nodeName === 'walreceiver@127.0.0.1')!.metadata).toMatchObject({ nameStable: false, nameHint: expect.stringMatching(/application_name in its primary_conninfo.*replication slot/) });
      const lag = await primaryHa.monitorLag();
      expect(Object.keys(lag).sort()).toEqual([SLOT, 'walreceiver@127.0.0.1']);

      // the primary only knows the walreceivers' client addresses: said so, no ephemeral port
      const clientPorts = (await primaryPg.query<{ p: number }>('select client_port as p from pg_catalog.pg_stat_replication')).map((r) => r.p);
      for (const n of first) {
        expect(n.endpoint).toBe('127.0.0.1');
        expect(n.endpointKind).toBe('client');
        for (const port of [...clientPorts, ...cluster.standbys.map((s) => s.port)]) expect(n.endpoint).not.toContain(String(port));
      }
      // seen from a standby, its own endpoint is where it listens
      const self = (await standbyHa[0]!.getAllNodes()).find((n) => n.metadata.self === true)!;
      expect(self).toMatchObject({ endpoint: `127.0.0.1:${cluster.standbys[0]!.port}`, endpointKind: 'listen' });

      // every name shown is accepted as a target, or the refusal says exactly what to pass
      // the dry run shows the statement objects that run: the walsender's pid and the slot as parameters
      const walsender = (await primaryPg.query<{ pid: number }>('select active_pid as pid from pg_catalog.pg_replication_slots where slot_name = $1', [SLOT]))[0]!.pid;
      const removal = await primaryHa.removeNode(SLOT, { dryRun: true });
      expect(removal.statements).toEqual([`select pg_catalog.pg_terminate_backend($1) -- $1 = ${walsender}`, `select pg_catalog.pg_drop_replication_slot($1) -- $1 = '${SLOT}'`]);
      const byClientName = await refusal(primaryHa.failover({ target: 'walreceiver@127.0.0.1', dryRun: true }));
      expect(byClientName.hint).toMatch(/postgres:\/\/postgres@127\.0\.0\.1:<its port>\/postgres/);
      const bySelfName = await standbyHa[0]!.failover({ target: self.nodeName, dryRun: true });
      expect(bySelfName.statements).toEqual([`select pg_catalog.pg_promote(true, 60) -- on postgresql://127.0.0.1:${cluster.standbys[0]!.port}/postgres`]);
      const byAddress = await primaryHa.failover({ target: `127.0.0.1:${cluster.standbys[0]!.port}`, dryRun: true });
      expect(byAddress.dryRun).toBe(true);

      // nothing changed on the servers
      expect(await inRecovery(standbyPg[0]!)).toBe(true);
      expect(await inRecovery(standbyPg[1]!)).toBe(true);
      expect(await primaryPg.query('select 1 from pg_catalog.pg_replication_slots where slot_name = $1', [SLOT])).toHaveLength(1);
    },
    TEST_TIMEOUT,
  );

  it(
    'failover refuses a disconnected, paused or behind standby without force, says what would be lost, and with force reports it',
    async () => {
      // standby 1 disconnected, then 1000 rows committed on the primary
      await setConninfo(0, '');
      await primaryPg.query('create table public.ha_after (id int primary key)');
      await primaryPg.query('insert into public.ha_after select generate_series(1, 1000)');
      const disconnected = await refusal(primaryHa.failover({ target: cluster.standbys[0]!.url('postgres') }));
      expect(disconnected.message).toMatch(/not streaming/);
      expect(disconnected.message).toMatch(/has not replayed \d+ bytes/);
      expect(disconnected.hint).toMatch(/would lose \d+ bytes/);
      measured.disconnectedRefusal = disconnected.hint;
      expect(await inRecovery(standbyPg[0]!)).toBe(true);

      // standby 2 streaming but replay paused, then writes
      await standbyPg[1]!.query('select pg_catalog.pg_wal_replay_pause()');
      await write(2, 'public.ha_paused');
      await waitFor('standby 2 received past its replay', async () => {
        const self = (await standbyHa[1]!.getAllNodes()).find((n) => n.metadata.self === true)!;
        return Number(self.metadata.pendingBytes) > 0;
      });
      const paused = await refusal(primaryHa.failover({ target: cluster.standbys[1]!.url('postgres') }));
      expect(paused.message).toMatch(/replay is paused/);
      expect(paused.message).toMatch(/has not replayed \d+ bytes/);
      expect(await inRecovery(standbyPg[1]!)).toBe(true);
      expect((await standbyPg[1]!.query<{ p: boolean }>('select pg_catalog.pg_is_wal_replay_paused() as p'))[0]!.p).toBe(true);

      // with force: promoted, and the result says what was overridden and what the old primary does
      const forced = await primaryHa.failover({ target: cluster.standbys[1]!.url('postgres'), force: true });
      expect(forced.success).toBe(true);
      expect(forced.data).toMatchObject({ forced: true, oldPrimary: { fenced: false, stillRunning: true } });
      expect((forced.data as { overridden: string[] }).overridden.join(' ')).toMatch(/replay is paused/);
      expect(forced.message).toMatch(/still running and accepting writes/);
      expect(forced.messages.join(' ')).toMatch(/force: promoting despite/);
      measured.forcedMessage = forced.message;
      expect(await inRecovery(standbyPg[1]!)).toBe(false);
      // the old primary was not fenced: it still takes writes, as the result says
      await primaryPg.query('insert into public.ha_after values (1001)');
      expect(await inRecovery(primaryPg)).toBe(false);
      // and standby 1 was never promoted
      expect(await inRecovery(standbyPg[0]!)).toBe(true);
    },
    TEST_TIMEOUT,
  );
});

describePg('HA against frozen standbys and a standby that follows another primary (real primary + two standbys)', () => {
  const measured: Record<string, unknown> = {};
  const managers: DatabaseManager[] = [];
  let cluster: PostgresCluster;
  let primaryPg: PostgreSQLConnection;
  let primaryHa: PostgreSQLReplicationManager;
  const standbyPg: PostgreSQLConnection[] = [];
  const standbyHa: PostgreSQLReplicationManager[] = [];
  const REPLY_MS = 3_000;

  async function open(url: string): Promise<{ pg: PostgreSQLConnection; ha: PostgreSQLReplicationManager }> {
    const manager = await DatabaseManager.connect(url);
    managers.push(manager);
    return { pg: manager.connection as PostgreSQLConnection, ha: manager.getDatabase('postgres').ha as PostgreSQLReplicationManager };
  }
  const streamingCount = async () => Number((await primaryPg.query<{ n: string }>("select count(*) as n from pg_catalog.pg_stat_replication where state = 'streaming'"))[0]!.n);
  const inRecovery = async (pg: PostgreSQLConnection) => (await pg.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r'))[0]!.r;
  const write = async (mb: number) => {
    await primaryPg.query('create table if not exists public.frozen_load (id bigserial primary key, payload text not null)');
    await primaryPg.query('insert into public.frozen_load (payload) select repeat(md5(g::text), 8) from generate_series(1, $1::int) g', [Math.round(mb * 3000)]);
  };
  /** Seconds since each walsender's last reply, as the primary records it. */
  const replyAges = async () =>
    (await primaryPg.query<{ age: number }>('select extract(epoch from clock_timestamp() - reply_time)::float8 as age from pg_catalog.pg_stat_replication order by 1')).map((r) => r.age);

  beforeAll(async () => {
    cluster = await startPostgres({ standbys: 2 });
    ({ pg: primaryPg, ha: primaryHa } = await open(cluster.primary.url('postgres')));
    for (const node of cluster.standbys) {
      const { pg, ha } = await open(node.url('postgres'));
      standbyPg.push(pg);
      standbyHa.push(ha);
      // replies every second, so a few seconds of silence means a frozen receiver
      await pg.query("alter system set wal_receiver_status_interval = '1s'");
      await pg.query('select pg_catalog.pg_reload_conf()');
    }
    await waitFor('two standbys streaming', async () => (await streamingCount()) === 2);
  }, 180_000);

  afterAll(async () => {
    for (const manager of managers) await manager.close();
    await cluster?.stop();
    if (process.env.GDS_TEST_TIMINGS) console.log(`ha.safety (frozen, diverged) measured: ${JSON.stringify(measured)}`);
  }, 60_000);

  it('every default-named standby is said to have an unstable name, with the hint to make it stable', async () => {
    const nodes = standbys(await primaryHa.getAllNodes());
    expect(nodes).toHaveLength(2);
    const ports = (await primaryPg.query<{ p: number }>('select client_port as p from pg_catalog.pg_stat_replication order by 1')).map((r) => r.p);
    // two default names from one host: the client port tells them apart, and changes on reconnect
    expect(nodes.map((n) => n.nodeName).sort()).toEqual(ports.map((p) => `walreceiver@127.0.0.1:${p}`).sort());
    for (const n of nodes) expect(n.metadata).toMatchObject({ applicationName: 'walreceiver', nameStable: false, nameHint: expect.stringMatching(/set application_name in its primary_conninfo, or stream through a replication slot/) });
  });

  it(
    'a frozen walreceiver and a frozen standby are not healthy: no reply for N s, lag at least that long, bytes not received reported',
    async () => {
      await waitFor('both standbys reply within the threshold', async () => (await primaryHa.isHealthy({ replyTimeoutMs: REPLY_MS })) === true);
      // an unknown option is still refused, and the new one is checked
      await refusal(primaryHa.isHealthy({ replyTimeoutMs: 0 }));

      const receiverPid = Number((await standbyPg[0]!.query<{ pid: number }>('select pid from pg_catalog.pg_stat_wal_receiver'))[0]!.pid);
      process.kill(receiverPid, 'SIGSTOP');
      try {
        await write(8);
        await sleep(REPLY_MS + 1_500);
        // the server's own record: one walsender has had no reply for longer than the threshold
        const ages = await replyAges();
        expect(ages[ages.length - 1]!).toBeGreaterThan(REPLY_MS / 1000);
        const nodes = standbys(await primaryHa.getAllNodes({ replyTimeoutMs: REPLY_MS }));
        const silent = nodes.filter((n) => !n.isHealthy);
        expect(silent).toHaveLength(1);
        const frozen = silent[0]!;
        expect(frozen.state).toBe(HAState.NOT_SYNCHRONIZED);
        expect(String(frozen.metadata.reason)).toMatch(/^no reply for \d+\.\d s \(more than 3 s\)$/);
        expect(frozen.lagSeconds!).toBeGreaterThanOrEqual(Number(frozen.metadata.replyAgeSeconds));
        expect(Number(frozen.metadata.replyAgeSeconds)).toBeGreaterThan(REPLY_MS / 1000);
        expect(Number(frozen.metadata.notReceivedBytes)).toBeGreaterThan(4 * 1024 * 1024);
        expect(Number(frozen.metadata.notFlushedBytes)).toBeGreaterThanOrEqual(Number(frozen.metadata.notReceivedBytes));
        expect(nodes.find((n) => n !== frozen)!.isHealthy).toBe(true);
        expect(await primaryHa.isHealthy({ replyTimeoutMs: REPLY_MS })).toBe(false);
        expect((await primaryHa.monitorLag({ replyTimeoutMs: REPLY_MS }))[frozen.nodeName]!).toBeGreaterThan(REPLY_MS / 1000);
        // with the default threshold (at least 30 s) the bytes not received are reported all the same
        const byDefault = standbys(await primaryHa.getAllNodes()).find((n) => n.nodeName === frozen.nodeName)!;
        expect(Number(byDefault.metadata.notReceivedBytes)).toBeGreaterThan(4 * 1024 * 1024);
        // the primary keeps wal_receiver_status_interval at its default: the documented numbers decide the default threshold
        const rule = evidence.rules.find((r) => r.id === 'status-interval')!;
        expect(byDefault.metadata.replyTimeoutSeconds).toBe(Math.max(rule.minimumReplyTimeoutSeconds!, rule.factor! * rule.defaultSeconds!));
        measured.frozenReceiver = { reason: frozen.metadata.reason, lagSeconds: frozen.lagSeconds, notReceivedBytes: frozen.metadata.notReceivedBytes, notFlushedBytes: frozen.metadata.notFlushedBytes, lagBytes: frozen.metadata.lagBytes };
      } finally {
        process.kill(receiverPid, 'SIGCONT');
      }
      await waitFor('healthy again after SIGCONT', async () => (await primaryHa.isHealthy({ replyTimeoutMs: REPLY_MS })) === true, 30_000);

      // the whole of standby 2 frozen (postmaster and children), 2 MB written
      const postmaster = (await cluster.standbys[1]!.pid())!;
      const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).trim().split('\n').map(Number);
      const frozenPids = [postmaster, ...children];
      for (const pid of frozenPids) process.kill(pid, 'SIGSTOP');
      try {
        await write(2);
        await sleep(REPLY_MS + 1_500);
        const nodes = standbys(await primaryHa.getAllNodes({ replyTimeoutMs: REPLY_MS }));
        const silent = nodes.filter((n) => !n.isHealthy);
        expect(silent).toHaveLength(1);
        expect(String(silent[0]!.metadata.reason)).toMatch(/^no reply for/);
        expect(silent[0]!.lagSeconds!).toBeGreaterThan(REPLY_MS / 1000);
        expect(Number(silent[0]!.metadata.notReceivedBytes)).toBeGreaterThan(1024 * 1024);
        expect(await primaryHa.getStatus({ replyTimeoutMs: REPLY_MS })).toBe(HAState.NOT_SYNCHRONIZED);
        measured.frozenStandby = { reason: silent[0]!.metadata.reason, lagSeconds: silent[0]!.lagSeconds, notReceivedBytes: silent[0]!.metadata.notReceivedBytes };
      } finally {
        for (const pid of frozenPids) process.kill(pid, 'SIGCONT');
      }
      await waitFor('healthy again after the standby resumes', async () => (await primaryHa.isHealthy({ replyTimeoutMs: REPLY_MS })) === true, 30_000);
    },
    TEST_TIMEOUT,
  );

  it(
    'failover refuses a standby of another cluster (another system identifier), leaving it in recovery',
    async () => {
      const other = await startPostgres({ standbys: 1 });
      try {
        const otherStandby = await open(other.standbys[0]!.url('postgres'));
        await waitFor('the other standby is in recovery', async () => inRecovery(otherStandby.pg));
        const refused = await refusal(primaryHa.failover({ target: other.standbys[0]!.url('postgres'), dryRun: true }));
        const [mine, theirs] = await Promise.all([primaryPg, otherStandby.pg].map(async (pg) => (await pg.query<{ id: string }>('select system_identifier::text as id from pg_catalog.pg_control_system()'))[0]!.id));
        expect(mine).not.toBe(theirs);
        expect(refused.issues.map((i) => i.message)).toEqual([expect.stringContaining(`belongs to another cluster (system identifier ${theirs!}, this server's is ${mine!})`)]);
        expect(await inRecovery(otherStandby.pg)).toBe(true);
      } finally {
        await other.stop();
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'failover refuses a target that streams from another primary on another timeline, dry run or not; force overrides and says so',
    async () => {
      // a legitimate target is accepted (dry run) by the primary it follows
      expect((await primaryHa.failover({ target: cluster.standbys[1]!.url('postgres'), dryRun: true })).success).toBe(true);

      // a role that may promote but not read pg_control_system(): not verified, refused without force
      await primaryPg.query('create role ha_operator login');
      await primaryPg.query('grant pg_monitor to ha_operator');
      await primaryPg.query('grant execute on function pg_catalog.pg_promote(boolean, integer) to ha_operator');
      await primaryPg.query('revoke execute on function pg_catalog.pg_control_system() from public');
      try {
        const url = new URL(cluster.primary.url('postgres'));
        url.username = 'ha_operator';
        const { ha: operatorHa } = await open(url.toString());
        const target = new URL(cluster.standbys[1]!.url('postgres'));
        target.username = 'ha_operator';
        await waitFor('the role reached standby 2', async () => (await standbyPg[1]!.query("select 1 from pg_catalog.pg_roles where rolname = 'ha_operator'")).length === 1);
        const unverified = await refusal(operatorHa.failover({ target: target.toString(), dryRun: true }));
        expect(unverified.issues.map((i) => i.message).join(' ')).toMatch(/could not check that .* follows this server: permission denied for function pg_control_system/);
        const forcedDry = await operatorHa.failover({ target: target.toString(), dryRun: true, force: true });
        expect((forcedDry.data as { overridden: string[] } | undefined)?.overridden ?? forcedDry.messages).toEqual(expect.arrayContaining([expect.stringMatching(/could not check/)]));
        expect(await inRecovery(standbyPg[1]!)).toBe(true);
      } finally {
        await primaryPg.query('grant execute on function pg_catalog.pg_control_system() to public');
      }

      // standby 1 promoted by hand: a second primary on timeline 2; standby 2 still follows the old one
      await standbyPg[0]!.query('select pg_catalog.pg_promote(true, 60)');
      expect(await inRecovery(standbyPg[0]!)).toBe(false);
      await write(1);
      const fromNewPrimary = standbyHa[0]!;
      for (const dryRun of [true, false]) {
        const refused = await refusal(fromNewPrimary.failover({ target: cluster.standbys[1]!.url('postgres'), dryRun }));
        const messages = refused.issues.map((i) => i.message).join(' | ');
        expect(messages).toMatch(/is on timeline 1, this primary writes timeline 2: their WAL has diverged/);
        expect(messages).toMatch(new RegExp(`does not stream from this primary: it streams from 127\\.0\\.0\\.1:${cluster.primary.port}`));
        expect(refused.hint).toMatch(/does not follow this primary/);
        measured[`divergedRefusal${dryRun ? 'DryRun' : ''}`] = messages;
      }
      // the target is untouched, still following the old primary
      expect(await inRecovery(standbyPg[1]!)).toBe(true);
      expect((await standbyPg[1]!.query<{ s: string; p: number }>('select status as s, sender_port as p from pg_catalog.pg_stat_wal_receiver'))[0]).toEqual({ s: 'streaming', p: cluster.primary.port });

      // with force it goes on, and the result lists what was overridden
      const forced = await fromNewPrimary.failover({ target: cluster.standbys[1]!.url('postgres'), force: true });
      expect(forced.data).toMatchObject({ forced: true, diverged: true });
      expect((forced.data as { overridden: string[] }).overridden.join(' ')).toMatch(/timeline 1.*timeline 2/);
      expect(forced.messages.join(' ')).toMatch(/force: promoting despite: .*diverged/);
      expect(await inRecovery(standbyPg[1]!)).toBe(false);
    },
    TEST_TIMEOUT,
  );
});

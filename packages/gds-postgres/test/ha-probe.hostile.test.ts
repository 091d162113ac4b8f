// Hostile tests of the standby's own probe of its upstream (postgres-ha-topology.ts probeUpstream),
// on a real primary + streaming standby: sessions left on the primary, secrets in what is
// reported, a primary that refuses the standby's user, cancellation and timeouts while the
// primary is frozen (SIGSTOP). GDS_TEST_TIMINGS=1 prints what was measured.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseManager, HARole, OperationCancelledError, OperationTimeoutError, Secret, type HighAvailabilityManager } from '@gds/database';
import { addPasswordRole, findPostgresBinaries, postgresMissingReason, startPostgres, type PasswordRole, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import { PostgreSQLConnection } from '../src/index.js';

const START_TIMEOUT = 120_000;
const TEST_TIMEOUT = 90_000;

const binaries = findPostgresBinaries();
const describePg = binaries ? describe : describe.skip;
if (!binaries) console.log(`skipping PostgreSQL HA probe tests: ${postgresMissingReason()}`);

/** This process's established TCP connections to `port` on 127.0.0.1 (from ss, by pid). */
function myConnectionsTo(port: number): number {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `127.0.0.1:${port}`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`pid=${process.pid},`)).length;
}

describePg('the standby probes its upstream itself (hostile)', () => {
  const measured: Record<string, unknown> = {};
  const managers: DatabaseManager[] = [];
  let cluster: PostgresCluster;
  let primaryPg: PostgreSQLConnection;
  let standbyHa: HighAvailabilityManager;
  let role: PasswordRole;
  const PASSWORD = 'Probe-Secret-9137';

  async function ha(url: string, password?: string): Promise<HighAvailabilityManager> {
    const manager = await DatabaseManager.connect(password ? { type: 'postgresql', host: '127.0.0.1', port: new URL(url).port ? Number(new URL(url).port) : 5432, user: new URL(url).username, password: new Secret(password) } : url);
    managers.push(manager);
    return manager.getDatabase('postgres').ha!;
  }

  /** Client sessions on the primary, by user, other than the one asking. */
  async function sessionsOnPrimary(user: string): Promise<number> {
    const rows = await primaryPg.query<{ n: number }>("select count(*)::int as n from pg_catalog.pg_stat_activity where backend_type = 'client backend' and usename = $1 and pid <> pg_backend_pid()", [user]);
    return rows[0]!.n;
  }

  function freezePrimary(postmaster: number): number[] {
    const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    const frozen = [postmaster, ...children];
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    return frozen;
  }

  beforeAll(async () => {
    cluster = await startPostgres({ standby: true });
    primaryPg = new PostgreSQLConnection(cluster.primary.url('postgres'));
    role = await addPasswordRole(cluster, { user: 'prober', password: PASSWORD });
    standbyHa = await ha(cluster.standby!.url('postgres'));
  }, START_TIMEOUT);

  afterAll(async () => {
    for (const manager of managers) await manager.close();
    await primaryPg?.close();
    await cluster?.stop();
    if (process.env.GDS_TEST_TIMINGS) console.log(`ha-probe.hostile timings: ${JSON.stringify(measured)}`);
  }, START_TIMEOUT);

  it(
    '40 read-outs from the standby leave no session of gds on the primary, and no connection of this process to it',
    async () => {
      const before = await sessionsOnPrimary(cluster.primary.user);
      const started = performance.now();
      for (let i = 0; i < 40; i++) expect(await standbyHa.isHealthy()).toBe(true);
      measured.readOutMs = Math.round((performance.now() - started) / 40);
      // the probe's session ends with its close(): Terminate is sent before close() resolves
      let after = await sessionsOnPrimary(cluster.primary.user);
      for (let i = 0; i < 50 && after > before; i++) {
        await sleep(20);
        after = await sessionsOnPrimary(cluster.primary.user);
      }
      measured.primarySessions = { before, after };
      expect(after).toBe(before);
      expect(myConnectionsTo(cluster.primary.port)).toBe(1); // primaryPg's own pool only
    },
    TEST_TIMEOUT,
  );

  it(
    "a password-protected user: the probe logs in with the standby connection's password, and the password is in nothing reported",
    async () => {
      // the role's URL names the primary: the same user on the standby
      const standbyUrl = role.url().replace(`:${cluster.primary.port}/`, `:${cluster.standby!.port}/`);
      const withPassword = await ha(standbyUrl, PASSWORD);
      const cfg = await withPassword.getConfiguration();
      const upstream = cfg!.nodes.find((n) => n.role === HARole.PRIMARY)!;
      expect(upstream).toMatchObject({ isHealthy: true, metadata: { reachable: true, inRecovery: false } });
      expect(JSON.stringify(cfg)).not.toContain(PASSWORD);
      // the standby trusts the role (its pg_hba.conf was copied before the role's line); the
      // primary asks for a password: without one the primary answers, and refuses
      const without = await ha(standbyUrl);
      const nodes = await without.getAllNodes();
      const refused = nodes.find((n) => n.role === HARole.PRIMARY)!;
      measured.refusedReason = refused.metadata.reason;
      // reached (it answered), but its role is unknown: not healthy, and not called unreachable
      expect(refused).toMatchObject({ isHealthy: false, state: 'unknown', metadata: { reachable: true, status: 'streaming' } });
      expect(refused.metadata).not.toHaveProperty('inRecovery');
      expect(String(refused.metadata.reason)).toMatch(/^answers, but refused gds's session \(password authentication failed for user "prober"\); the wal receiver says streaming$/);
      expect(await without.isHealthy()).toBe(false);
      expect(String(refused.metadata.reason)).not.toContain(PASSWORD);
    },
    TEST_TIMEOUT,
  );

  it(
    'with the primary frozen, a cancelled read rejects at once and a timed-out one at its timeout, and neither leaves a connection to the primary behind',
    async () => {
      expect(await standbyHa.isHealthy()).toBe(true);
      const frozen = freezePrimary((await cluster.primary.pid())!);
      try {
        let started = performance.now();
        expect(await standbyHa.isHealthy()).toBe(false);
        measured.frozenIsHealthyMs = Math.round(performance.now() - started);

        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        started = performance.now();
        await expect(standbyHa.getAllNodes({ signal: controller.signal })).rejects.toBeInstanceOf(OperationCancelledError);
        measured.cancelledAfterMs = Math.round(performance.now() - started);
        expect(performance.now() - started).toBeLessThan(300 + 1_000);

        started = performance.now();
        await expect(standbyHa.getStatus({ timeoutMs: 500 })).rejects.toBeInstanceOf(OperationTimeoutError);
        measured.timedOutAfterMs = Math.round(performance.now() - started);
        expect(performance.now() - started).toBeLessThan(500 + 1_000);

        // the probes' connections (the primary's kernel accepted them) are gone within the probe's own 5 s
        let left = myConnectionsTo(cluster.primary.port);
        const waitStart = performance.now();
        while (left > 1 && performance.now() - waitStart < 8_000) {
          await sleep(100);
          left = myConnectionsTo(cluster.primary.port);
        }
        measured.connectionsGoneAfterMs = Math.round(performance.now() - waitStart);
        expect(left).toBe(1); // primaryPg's own
      } finally {
        for (const pid of frozen) process.kill(pid, 'SIGCONT');
      }
      const deadline = Date.now() + 30_000;
      while (!(await standbyHa.isHealthy()) && Date.now() < deadline) await sleep(100);
      expect(await standbyHa.isHealthy()).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'with the primary frozen, getStatus, getPrimaryNode, monitorLag and isHealthy agree: none calls the cluster healthy, each answers within the probe\'s 5 s connect timeout',
    async () => {
      expect(await standbyHa.getStatus()).toBe('healthy');
      const frozen = freezePrimary((await cluster.primary.pid())!);
      const took: Record<string, number> = {};
      const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        try {
          return await work();
        } finally {
          took[name] = Math.round(performance.now() - started);
        }
      };
      try {
        const status = await timed('getStatus', () => standbyHa.getStatus());
        const primary = await timed('getPrimaryNode', () => standbyHa.getPrimaryNode());
        const lag = await timed('monitorLag', () => standbyHa.monitorLag());
        const healthy = await timed('isHealthy', () => standbyHa.isHealthy());
        measured.frozenStatus = status;
        measured.frozenCallMs = took;
        expect(healthy).toBe(false);
        expect(status).not.toBe('healthy');
        expect(primary).toMatchObject({ role: HARole.PRIMARY, isHealthy: false, metadata: { reachable: false } });
        expect(Object.keys(lag)).toHaveLength(1); // the standby itself: the upstream has no lag of its own
        for (const ms of Object.values(took)) expect(ms).toBeLessThan(5_000 + 2_000);
      } finally {
        for (const pid of frozen) process.kill(pid, 'SIGCONT');
      }
      const deadline = Date.now() + 30_000;
      while ((await standbyHa.getStatus()) !== 'healthy' && Date.now() < deadline) await sleep(100);
      expect(await standbyHa.getStatus()).toBe('healthy');
    },
    TEST_TIMEOUT,
  );
});

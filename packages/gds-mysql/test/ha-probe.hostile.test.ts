// Hostile tests of the replica's own probe of its source (mysql-ha-topology.ts replicaView), on real
// MariaDB servers (a throwaway primary + 2 GTID replicas): sessions left on the primary, secrets in
// what is reported, cancellation and timeouts while the primary is frozen (SIGSTOP), and a failover
// asked of a replica while the primary is frozen. GDS_TEST_TIMINGS=1 prints what was measured.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseManager, HARole, OperationCancelledError, OperationTimeoutError, ValidationError } from '@gds/database';
import { findMariadbBinaries, mariadbMissingReason, startMariadb, type MariadbCluster, type MariadbNode } from '@gds/testkit';
import '../src/index.js';
import type { MySQLReplicationManager } from '../src/mysql-ha.js';

const binaries = findMariadbBinaries();
const describeMaria = binaries ? describe : describe.skip;
if (!binaries) console.log(`skipping MariaDB HA probe tests: ${mariadbMissingReason()}`);

const T = 90_000;

/** This process's established TCP connections to `port` on 127.0.0.1 (from ss, by pid). */
function myConnectionsTo(port: number): number {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `127.0.0.1:${port}`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`pid=${process.pid},`)).length;
}

async function gdsSessions(node: MariadbNode): Promise<number> {
  const rows = await node.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'gds'");
  return Number(rows[0]?.['n']);
}

describeMaria('the replica probes its source itself (hostile, real MariaDB)', () => {
  const measured: Record<string, unknown> = {};
  const managers: DatabaseManager[] = [];
  let c: MariadbCluster;
  let ha: MySQLReplicationManager;

  beforeAll(async () => {
    c = await startMariadb({ replica: 2 });
    await c.primary.query('CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT NOT NULL); INSERT INTO app.t (v) VALUES (1)');
    await c.waitForReplicas();
    const manager = await DatabaseManager.connect(c.replicas[0]!.url('', 'test'));
    managers.push(manager);
    ha = manager.getDatabase('app').ha as MySQLReplicationManager;
  }, 180_000);

  afterAll(async () => {
    for (const m of managers) await m.close();
    await c?.stop();
    if (process.env.GDS_TEST_TIMINGS) console.log(`mysql ha-probe.hostile timings: ${JSON.stringify(measured)}`);
  }, 60_000);

  it(
    '40 read-outs from the replica leave no session of gds on the primary and no connection of this process to it; the password is in nothing reported',
    async () => {
      const started = performance.now();
      for (let i = 0; i < 40; i++) expect(await ha.isHealthy()).toBe(true);
      measured.readOutMs = Math.round((performance.now() - started) / 40);
      expect(await gdsSessions(c.primary)).toBe(0);
      expect(myConnectionsTo(c.primary.port)).toBe(0);
      const cfg = await ha.getConfiguration();
      expect(cfg!.nodes.find((n) => n.role === HARole.PRIMARY)).toMatchObject({ isHealthy: true, metadata: { reachable: true } });
      expect(JSON.stringify(cfg)).not.toContain(c.accounts.test.password);
    },
    T,
  );

  it(
    'from the primary, with a replica frozen: that replica is not healthy, and a cancelled read rejects at once (the probe of the silent replica ends in the background)',
    async () => {
      const manager = await DatabaseManager.connect(c.primary.url('', 'test'));
      const fromPrimary = manager.getDatabase('app').ha as MySQLReplicationManager;
      expect(await fromPrimary.isHealthy()).toBe(true);
      const frozen = c.replicas[1]!;
      process.kill(frozen.pid, 'SIGSTOP');
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        const started = performance.now();
        await expect(fromPrimary.getAllNodes({ signal: controller.signal })).rejects.toBeInstanceOf(OperationCancelledError);
        measured.primarySideCancelledAfterMs = Math.round(performance.now() - started);
        expect(measured.primarySideCancelledAfterMs as number).toBeLessThan(300 + 1_000);
        expect(await fromPrimary.isHealthy()).toBe(false);
      } finally {
        process.kill(frozen.pid, 'SIGCONT');
      }
      const end = Date.now() + 20_000;
      while (!(await fromPrimary.isHealthy()) && Date.now() < end) await sleep(200);
      expect(await fromPrimary.isHealthy()).toBe(true);
      await manager.close(); // the next test counts this process's connections to the primary
    },
    T,
  );

  it(
    'with the primary frozen: a cancelled read rejects at once, a timed-out one at its timeout, neither leaves a connection behind; a failover from the replica neither hangs past its timeout nor promotes',
    async () => {
      expect(await ha.isHealthy()).toBe(true);
      process.kill(c.primary.pid, 'SIGSTOP');
      try {
        let started = performance.now();
        const nodes = await ha.getAllNodes();
        measured.frozenReadMs = Math.round(performance.now() - started);
        const up = nodes.find((n) => n.role === HARole.PRIMARY)!;
        measured.frozenReason = up.metadata.reason;
        expect(up).toMatchObject({ isHealthy: false, metadata: { reachable: false } });
        expect(JSON.stringify(nodes)).not.toContain(c.accounts.test.password);

        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        started = performance.now();
        await expect(ha.getAllNodes({ signal: controller.signal })).rejects.toBeInstanceOf(OperationCancelledError);
        measured.cancelledAfterMs = Math.round(performance.now() - started);

        started = performance.now();
        await expect(ha.getStatus({ timeoutMs: 500 })).rejects.toBeInstanceOf(OperationTimeoutError);
        measured.timedOutAfterMs = Math.round(performance.now() - started);

        let left = myConnectionsTo(c.primary.port);
        const waitStart = performance.now();
        while (left > 0 && performance.now() - waitStart < 8_000) {
          await sleep(100);
          left = myConnectionsTo(c.primary.port);
        }
        measured.connectionsGoneAfterMs = Math.round(performance.now() - waitStart);

        started = performance.now();
        const failed = await ha.failover({ target: `127.0.0.1:${c.replicas[0]!.port}`, timeoutMs: 15_000 }).then(
          (r) => r,
          (e: unknown) => e,
        );
        measured.failoverMs = Math.round(performance.now() - started);
        measured.failover = failed instanceof Error ? `${failed.name}: ${failed.message}` : failed;
        measured.r1ReadOnlyAfter = (await c.replicas[0]!.query('SELECT @@GLOBAL.read_only AS r'))[0]?.['r'];
        measured.r1StatusAfter = ((await c.replicas[0]!.query('SHOW SLAVE STATUS'))[0] ?? {})['Slave_IO_Running'];

        expect(measured.cancelledAfterMs as number).toBeLessThan(300 + 1_000);
        expect(measured.timedOutAfterMs as number).toBeLessThan(500 + 1_000);
        expect(left).toBe(0);
        // refused (what the primary logged is unknown), within its timeout, and nothing changed on the target
        expect(failed).toBeInstanceOf(ValidationError);
        expect(String((failed as Error).message)).toMatch(/was not reached/);
        expect(measured.failoverMs as number).toBeLessThan(15_000);
        expect(measured.r1ReadOnlyAfter).toBe('1');
        expect(measured.r1StatusAfter).toBe('Yes');
      } finally {
        process.kill(c.primary.pid, 'SIGCONT');
      }
    },
    T,
  );

  it(
    "a primary that refuses the replica's account (its password changed there only, not replicated) answers: reported as refusing, not as unreachable, and not healthy",
    async () => {
      const hosts = (await c.primary.query("SELECT Host AS h FROM mysql.user WHERE User = 'gds'")).map((r) => String(r['h']));
      const quoted = (h: string) => `'gds'@'${h.replace(/'/g, "''")}'`;
      const other = 'Changed-On-Primary-Only-42';
      await c.primary.query(`SET SESSION sql_log_bin = 0; ${hosts.map((h) => `ALTER USER ${quoted(h)} IDENTIFIED BY '${other}'`).join('; ')}`);
      try {
        const nodes = await ha.getAllNodes();
        const up = nodes.find((n) => n.role === HARole.PRIMARY)!;
        measured.refusedReason = up.metadata.reason;
        expect(up).toMatchObject({ isHealthy: false, metadata: { reachable: true, replicaIoRunning: 'Yes' } });
        expect(String(up.metadata.reason)).toMatch(/^answers, but refused gds's session \(.*Access denied.*\); the replica's IO thread says Yes$/);
        expect(JSON.stringify(nodes)).not.toContain(c.accounts.test.password);
        expect(JSON.stringify(nodes)).not.toContain(other);
        expect(await ha.isHealthy()).toBe(false);
      } finally {
        const pw = c.accounts.test.password.replace(/'/g, "''");
        await c.primary.query(`SET SESSION sql_log_bin = 0; ${hosts.map((h) => `ALTER USER ${quoted(h)} IDENTIFIED BY '${pw}'`).join('; ')}`);
      }
      expect(await ha.isHealthy()).toBe(true);
    },
    T,
  );
});

// MySQLReplicationManager against real MariaDB servers (throwaway local mariadbd primary + two GTID
// replicas from @gds/testkit, a fresh cluster per test): the views from both sides, lag under write
// load, a stopped SQL thread and broken links reported unhealthy, refused and forced-past failovers,
// a switchover with fencing, writes on the new primary that the other replica follows, the old
// primary rejoining with addNode, removeNode, setSyncMode. MySQL 8 cannot run here: its statements are
// unit-tested in src/mysql-ha-statements.test.ts against test/evidence/mysql8-replication.json.
import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseManager, HARole, HAState, OperationCancelledError, OperationTimeoutError, SyncMode, UnsupportedOperationError, ValidationError, type HANodeInfo } from '@gds/database';
import { findMariadbBinaries, mariadbMissingReason, startMariadb, type MariadbCluster, type MariadbNode } from '@gds/testkit';
import '../src/index.js';
import type { MySQLDatabase } from '../src/mysql-database.js';
import { rawQuery } from './helpers.js';
import { MySQLReplicationManager } from '../src/mysql-ha.js';
import type { MySQLHAReadOptions } from '../src/mysql-ha-options.js';

const binaries = findMariadbBinaries();
const describeMaria = binaries ? describe : describe.skip;
if (!binaries) console.log(`skipping MariaDB HA tests: ${mariadbMissingReason()}`);

const T = 60_000;
let cluster: MariadbCluster | undefined;
const managers: DatabaseManager[] = [];

afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await cluster?.stop();
  cluster = undefined;
}, 60_000);

async function start(replicas = 2, semiSync = false): Promise<MariadbCluster> {
  cluster = await startMariadb({ replica: replicas, semiSync });
  await cluster.primary.query('CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT NOT NULL)');
  await cluster.waitForReplicas();
  return cluster;
}

/** The HA manager of `node`, through the test account (password-protected). */
async function haOf(node: MariadbNode): Promise<{ ha: MySQLReplicationManager; db: MySQLDatabase }> {
  const manager = await DatabaseManager.connect(node.url('', 'test'));
  managers.push(manager);
  const db = manager.getDatabase('app') as MySQLDatabase;
  const ha = db.ha;
  if (!(ha instanceof MySQLReplicationManager)) throw new Error('db.ha is not a MySQLReplicationManager (haManagerClass not wired)');
  return { ha, db };
}

const nameOf = (node: MariadbNode) => `127.0.0.1:${node.port}`;
const byName = (nodes: HANodeInfo[], node: MariadbNode) => nodes.find((n) => n.nodeName === nameOf(node));
const write = (node: MariadbNode, n = 1) => node.query(Array.from({ length: n }, (_, i) => `INSERT INTO app.t (v) VALUES (${i})`).join(';'));
const status = async (node: MariadbNode) => (await node.query('SHOW SLAVE STATUS'))[0];
const readOnly = async (node: MariadbNode) => (await node.query('SELECT @@GLOBAL.read_only AS r'))[0]?.['r'];
const count = async (node: MariadbNode) => Number((await node.query('SELECT COUNT(*) AS n FROM app.t'))[0]?.['n']);

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() >= deadline) throw new Error('timed out waiting');
    await sleep(50);
  }
}

/** Sessions of the test account on a server other than the asking one (gds's probes must be closed). */
async function gdsSessions(node: MariadbNode): Promise<number> {
  const rows = await node.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'gds'");
  return Number(rows[0]?.['n']);
}

describeMaria(`MySQLReplicationManager: MariaDB ${binaries?.major}.${binaries?.minor}, real servers (throwaway primary + 2 GTID replicas)`, () => {
  it('reads the same replication from the primary and from a replica, every node healthy', async () => {
    const c = await start();
    const { ha } = await haOf(c.primary);
    const topo = await ha.getConfiguration();
    expect(topo?.type).toBe('gtid_replication');
    expect(topo?.syncMode).toBe(SyncMode.ASYNCHRONOUS);
    const nodes = await ha.getAllNodes();
    expect(nodes.map((n) => n.nodeName).sort()).toEqual([nameOf(c.primary), nameOf(c.replicas[0]!), nameOf(c.replicas[1]!)].sort());
    const r1 = byName(nodes, c.replicas[0]!)!;
    expect(r1).toMatchObject({ role: HARole.REPLICA, state: HAState.HEALTHY, isHealthy: true, endpoint: nameOf(c.replicas[0]!), endpointKind: 'listen', lagSeconds: 0 });
    expect(r1.metadata).toMatchObject({ serverId: c.replicas[0]!.serverId, ioRunning: 'Yes', sqlRunning: 'Yes', transactionsBehind: 0, receivedNotApplied: 0, gtidMode: 'Slave_Pos' });
    expect(r1.metadata.primaryPosition).toBe((await c.primary.query('SELECT @@gtid_binlog_pos AS p'))[0]?.['p']);
    expect((await ha.getPrimaryNode())?.nodeName).toBe(nameOf(c.primary));
    expect(await ha.isHealthy()).toBe(true);
    expect(await ha.getStatus()).toBe(HAState.HEALTHY);
    expect(await ha.monitorLag()).toEqual({ [nameOf(c.replicas[0]!)]: 0, [nameOf(c.replicas[1]!)]: 0 });
    // the probes of the replicas were closed again
    expect(await gdsSessions(c.replicas[0]!)).toBe(0);

    const fromReplica = (await haOf(c.replicas[1]!)).ha;
    const seen = await fromReplica.getAllNodes();
    expect(seen.map((n) => [n.nodeName, n.role])).toEqual([
      [nameOf(c.primary), HARole.PRIMARY],
      [nameOf(c.replicas[1]!), HARole.REPLICA],
    ]);
    expect(byName(seen, c.replicas[1]!)?.metadata).toMatchObject({ self: true, ioRunning: 'Yes', sqlRunning: 'Yes', transactionsBehind: 0 });
    expect(await fromReplica.isHealthy()).toBe(true);
  }, T);

  it('a lone primary is in no configuration and not healthy', async () => {
    const c = await start(0);
    const { ha } = await haOf(c.primary);
    expect(await ha.getConfiguration()).toBeUndefined();
    expect(await ha.getStatus()).toBe(HAState.UNKNOWN);
    expect(await ha.isHealthy()).toBe(false);
  }, T);

  it('shows lag under write load (transactions not applied, and seconds behind), then catches up', async () => {
    const c = await start(1);
    const { ha } = await haOf(c.primary);
    // rows to make each UPDATE a large row-based event group the replica needs time to apply
    await c.primary.query('SET SESSION max_recursive_iterations = 200000; INSERT INTO app.t (v) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000) SELECT n FROM s');
    await c.waitForReplicas(60_000);
    let load = true;
    const writer = (async () => {
      for (let i = 0; i < 8 && load; i++) await c.primary.query('UPDATE app.t SET v = v + 1', { timeoutMs: 60_000 });
    })();
    let maxBehind = 0;
    let maxSeconds = 0;
    try {
      while (load) {
        const r = byName(await ha.getAllNodes(), c.replicas[0]!)!;
        maxBehind = Math.max(maxBehind, Number(r.metadata.transactionsBehind ?? 0));
        maxSeconds = Math.max(maxSeconds, r.lagSeconds ?? 0);
        if (maxBehind > 0 && maxSeconds > 0) break;
        await Promise.race([writer.then(() => (load = false)), sleep(100)]);
      }
    } finally {
      load = false;
      await writer;
    }
    if (process.env.GDS_TEST_TIMINGS) console.log(`lag under load: ${maxBehind} transactions, ${maxSeconds} s`);
    expect(maxBehind).toBeGreaterThan(0);
    expect(maxSeconds).toBeGreaterThanOrEqual(1);
    await c.waitForReplicas(60_000);
    const after = byName(await ha.getAllNodes(), c.replicas[0]!)!;
    expect(after.metadata.transactionsBehind).toBe(0);
    expect(after.isHealthy).toBe(true);
  }, 120_000);

  it('a stopped SQL thread is suspended and unhealthy, with the exact transactions not applied, from both sides', async () => {
    const c = await start();
    const r2 = c.replicas[1]!;
    await r2.query('STOP SLAVE SQL_THREAD');
    await write(c.primary, 3);
    await waitFor(async () => ((await status(r2))?.['Gtid_IO_Pos'] === (await c.primary.query('SELECT @@gtid_binlog_pos AS p'))[0]?.['p'] ? true : undefined));
    const { ha } = await haOf(c.primary);
    const node = byName(await ha.getAllNodes(), r2)!;
    expect(node).toMatchObject({ state: HAState.SUSPENDED, isHealthy: false });
    expect(node.metadata).toMatchObject({ sqlRunning: 'No', ioRunning: 'Yes', transactionsBehind: 3, receivedNotApplied: 3, secondsBehindSource: null });
    expect(String(node.metadata.reason)).toMatch(/SQL thread stopped/);
    expect(await ha.isHealthy()).toBe(false);
    expect(await ha.getStatus()).toBe(HAState.SUSPENDED);
    const own = byName(await (await haOf(r2)).ha.getAllNodes(), r2)!;
    expect(own).toMatchObject({ state: HAState.SUSPENDED, isHealthy: false });
    expect(own.metadata).toMatchObject({ transactionsBehind: 3, receivedNotApplied: 3 });
  }, T);

  it('a broken link: a stopped IO thread makes a seen replica missing, a wrong password is disconnected with the server error', async () => {
    const c = await start();
    const [r1, r2] = [c.replicas[0]!, c.replicas[1]!];
    const { ha } = await haOf(c.primary);
    expect(await ha.isHealthy()).toBe(true);
    await r1.query('STOP SLAVE IO_THREAD');
    // still registered (the primary's dump thread notices only when it next writes): read from the replica itself
    const stopped = byName(await ha.getAllNodes(), r1)!;
    expect(stopped).toMatchObject({ state: HAState.DISCONNECTED, isHealthy: false });
    expect(String(stopped.metadata.reason)).toMatch(/IO thread No/);
    // events make the dump thread find the closed connection: the replica is no longer registered
    await waitFor(async () => {
      await write(c.primary);
      return (await c.primary.query('SHOW SLAVE HOSTS')).length === 1 ? true : undefined;
    });
    const missing = byName(await ha.getAllNodes(), r1)!;
    expect(missing).toMatchObject({ state: HAState.DISCONNECTED, isHealthy: false, endpoint: nameOf(r1) });
    expect(missing.metadata).toMatchObject({ missing: true, ioRunning: 'No' });
    expect(String(missing.metadata.reason)).toMatch(/no longer connected.*IO thread No/);
    expect(await ha.getStatus()).toBe(HAState.DISCONNECTED);
    // a new manager has not seen it: only expectedReplicas tells it that the replica should be there
    const fresh = (await haOf(c.primary)).ha;
    expect(byName(await fresh.getAllNodes(), r1)).toBeUndefined();
    const expected = { expectedReplicas: [nameOf(r1), nameOf(r2)] } as MySQLHAReadOptions;
    expect(byName(await fresh.getAllNodes(expected), r1)?.metadata.missing).toBe(true);
    expect(await fresh.isHealthy(expected)).toBe(false);
    await expect(fresh.getAllNodes({ expectedReplicas: ['nonsense'] } as MySQLHAReadOptions)).rejects.toThrow(/neither host:port nor server_id/);

    await r2.query("STOP SLAVE; CHANGE MASTER TO MASTER_PASSWORD = 'wrong-password'; START SLAVE");
    const own = (await haOf(r2)).ha;
    const me = await waitFor(async () => {
      const n = byName(await own.getAllNodes(), r2);
      return n?.metadata.lastIoErrno === 1045 ? n : undefined;
    });
    expect(me).toMatchObject({ state: HAState.DISCONNECTED, isHealthy: false });
    expect(me.metadata.ioRunning).toBe('Connecting');
    expect(String(me.metadata.reason)).toMatch(/Access denied/);
    expect(await own.isHealthy()).toBe(false);
    // addNode from the primary repairs it: a replica of this primary is stopped and reconfigured
    const repl = c.accounts.replication;
    const fixed = await ha.addNode({ name: nameOf(r2), replicationUser: repl.user, replicationPassword: repl.password });
    expect(fixed.statements.slice(0, 2)).toEqual(['STOP REPLICA', expect.stringMatching(/^CHANGE MASTER TO .*MASTER_PASSWORD = '\*\*\*'/)]);
    expect((await status(r2))?.['Slave_IO_Running']).toBe('Yes');
    expect(await own.isHealthy()).toBe(true);
  }, T);

  it('a replica reset outside gds after this manager saw it is missing, not silently dropped', async () => {
    const c = await start();
    const r2 = c.replicas[1]!;
    const { ha } = await haOf(c.primary);
    expect(await ha.isHealthy()).toBe(true);
    await r2.query('STOP SLAVE; RESET SLAVE ALL');
    const node = byName(await ha.getAllNodes(), r2)!;
    expect(node).toMatchObject({ state: HAState.DISCONNECTED, isHealthy: false });
    expect(node.metadata.missing).toBe(true);
    expect(String(node.metadata.reason)).toMatch(/registered, but no longer configured as a replica/);
    expect(await ha.isHealthy()).toBe(false);
  }, T);

  it('refuses to fail over to a replica whose SQL thread is stopped, changing nothing', async () => {
    const c = await start();
    const r2 = c.replicas[1]!;
    await r2.query('STOP SLAVE SQL_THREAD');
    await write(c.primary, 2);
    const { ha } = await haOf(c.primary);
    const err = await ha.failover({ target: nameOf(r2) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(JSON.stringify((err as ValidationError).issues)).toMatch(/SQL thread .* is not running/);
    expect((err as ValidationError).hint).toMatch(/lose 2 transaction/);
    expect(await readOnly(c.primary)).toBe('0');
    expect((await status(r2))?.['Master_Port']).toBe(String(c.primary.port));
    await write(c.primary);
  }, T);

  it('refuses a target that does not apply within the catch-up time after fencing, and lifts the fence again', async () => {
    const c = await start();
    const r2 = c.replicas[1]!;
    await r2.query('STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 60; START SLAVE');
    await write(c.primary, 2);
    const { ha } = await haOf(c.primary);
    const err = await ha.failover({ target: nameOf(r2) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(JSON.stringify((err as ValidationError).issues)).toMatch(/has not applied 2 transaction\(s\) the primary logged/);
    const failed = (err as ValidationError).result;
    expect(failed?.statements).toEqual(['SET GLOBAL read_only = ON', 'SET GLOBAL read_only = OFF']);
    expect(await readOnly(c.primary)).toBe('0');
    expect(await status(r2)).toBeDefined();
  }, T);

  it('a failover cancelled or timed out while the target catches up lifts the fence of the old primary', async () => {
    const c = await start();
    const r2 = c.replicas[1]!;
    await r2.query('STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 60; START SLAVE');
    await write(c.primary, 1);
    const { ha } = await haOf(c.primary);
    const timedOut = await ha.failover({ target: nameOf(r2), timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(OperationTimeoutError);
    expect(await readOnly(c.primary)).toBe('0');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const cancelled = await ha.failover({ target: nameOf(r2), signal: controller.signal }).catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(OperationCancelledError);
    expect(await readOnly(c.primary)).toBe('0');
    expect(await status(r2)).toBeDefined();
    await write(c.primary, 1);
  }, T);

  it('switches over with fencing: writes go to the new primary, the other replica follows it, the old primary rejoins with addNode', async () => {
    const c = await start();
    const [r1, r2] = [c.replicas[0]!, c.replicas[1]!];
    await c.primary.query("CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-pass-1'; GRANT SELECT, INSERT ON app.* TO 'app'@'127.0.0.1'");
    await write(c.primary, 5);
    const { ha } = await haOf(c.primary);
    const dry = await ha.failover({ target: nameOf(r1), dryRun: true });
    expect(dry.statements).toContain('SET GLOBAL read_only = ON');
    expect(await readOnly(c.primary)).toBe('0');
    expect(await status(r1)).toBeDefined();

    const result = await ha.failover({ target: nameOf(r1) });
    expect(result.data).toMatchObject({ promoted: nameOf(r1), forced: false, lostTransactions: 0, oldPrimary: { endpoint: nameOf(c.primary), fenced: true, fence: 'read_only' } });
    expect(result.statements).toEqual([
      'SET GLOBAL read_only = ON',
      'STOP REPLICA',
      'RESET REPLICA ALL',
      'SET GLOBAL read_only = OFF',
      'STOP REPLICA',
      `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${r1.port}, MASTER_USE_GTID = slave_pos`,
      'START REPLICA',
      // the old primary's dump threads of the two replicas, ended so that it no longer lists them
      expect.stringMatching(/^KILL CONNECTION \d+$/),
      expect.stringMatching(/^KILL CONNECTION \d+$/),
    ]);
    // fenced: an ordinary account cannot write on the old primary
    expect(await readOnly(c.primary)).toBe('1');
    const fencedWrite = await rawQuery(`mariadb://app:app-pass-1@127.0.0.1:${c.primary.port}/app`, 'INSERT INTO app.t (v) VALUES (1)').catch((e: { errno?: number }) => e.errno);
    expect(fencedWrite).toBe(1290);
    // promoted: no replication left, writable, takes writes; the other replica follows it
    expect(await status(r1)).toBeUndefined();
    expect(await readOnly(r1)).toBe('0');
    const before = await count(r1);
    await write(r1, 3);
    expect((await status(r2))?.['Master_Port']).toBe(String(r1.port));
    const pos = (await r1.query('SELECT @@gtid_binlog_pos AS p'))[0]?.['p'];
    expect((await r2.query(`SELECT MASTER_GTID_WAIT('${pos}', 10) AS w`))[0]?.['w']).toBe('0');
    expect(await count(r2)).toBe(before + 3);
    const newHa = (await haOf(r1)).ha;
    const nodes = await newHa.getAllNodes();
    expect(byName(nodes, r2)).toMatchObject({ isHealthy: true, role: HARole.REPLICA });
    expect(byName(nodes, r1)?.role).toBe(HARole.PRIMARY);
    // the old manager forgot the replicas it handed over: the old primary alone, fenced
    expect((await ha.getAllNodes()).map((n) => n.nodeName)).toEqual([nameOf(c.primary)]);

    // the old primary rejoins as a replica of the new one (its own binlog GTIDs: current_pos)
    const repl = c.accounts.replication;
    const added = await newHa.addNode({ name: c.primary.url('', 'test'), replicationUser: repl.user, replicationPassword: repl.password });
    expect(added.data).toMatchObject({ changed: true, gtid: 'current_pos' });
    expect(added.statements.join('\n')).not.toContain(repl.password);
    expect(added.statements[0]).toMatch(/MASTER_PASSWORD = '\*\*\*', MASTER_USE_GTID = current_pos$/);
    await write(r1, 1);
    const pos2 = (await r1.query('SELECT @@gtid_binlog_pos AS p'))[0]?.['p'];
    expect((await c.primary.query(`SELECT MASTER_GTID_WAIT('${pos2}', 10) AS w`))[0]?.['w']).toBe('0');
    expect(await count(c.primary)).toBe(before + 4);
    expect(await newHa.isHealthy()).toBe(true);
    expect(await gdsSessions(r2)).toBe(0);
  }, 90_000);

  it('a failover reports a known replica that is not connected as not re-pointed, with what to run on it', async () => {
    const c = await start();
    const [r1, r2] = [c.replicas[0]!, c.replicas[1]!];
    const { ha } = await haOf(c.primary);
    await ha.getAllNodes();
    await r2.query('STOP SLAVE IO_THREAD');
    await waitFor(async () => {
      await write(c.primary);
      return (await c.primary.query('SHOW SLAVE HOSTS')).length === 1 ? true : undefined;
    });
    const result = await ha.failover({ target: nameOf(r1) });
    expect((result.data as { replicas: unknown[] }).replicas).toEqual([expect.objectContaining({ node: nameOf(r2), repointed: false, error: 'not connected to the old primary', how: `on ${nameOf(r2)}: STOP REPLICA; CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${r1.port}, MASTER_USE_GTID = slave_pos; START REPLICA` })]);
    expect(result.message).toMatch(/0 of 1 other replica\(s\) now follow it \(not: /);
    expect((await status(r2))?.['Master_Port']).toBe(String(c.primary.port));
  }, T);

  it('force promotes a lagging replica and reports the transactions lost', async () => {
    const c = await start();
    const r2 = c.replicas[1]!;
    await r2.query('STOP SLAVE SQL_THREAD');
    await write(c.primary, 2);
    const { ha } = await haOf(c.primary);
    const result = await ha.failover({ target: nameOf(r2), force: true });
    expect(result.data).toMatchObject({ promoted: nameOf(r2), forced: true, lostTransactions: 2 });
    expect((result.data as { overridden: string[] }).overridden.join(' ')).toMatch(/SQL thread/);
    expect(await status(r2)).toBeUndefined();
    expect(await readOnly(r2)).toBe('0');
    expect(await readOnly(c.primary)).toBe('1');
  }, T);

  it('fails over from a replica: with the primary reachable it is fenced and the other replica re-pointed', async () => {
    const c = await start();
    const [r1, r2] = [c.replicas[0]!, c.replicas[1]!];
    await write(c.primary, 2);
    const { ha } = await haOf(r2);
    const result = await ha.failover({ target: nameOf(r2) });
    expect(result.data).toMatchObject({ promoted: nameOf(r2), forced: false, lostTransactions: 0, oldPrimary: { endpoint: nameOf(c.primary), fenced: true } });
    expect(await readOnly(c.primary)).toBe('1');
    expect(await status(r2)).toBeUndefined();
    expect((await status(r1))?.['Master_Port']).toBe(String(r2.port));
    await write(r2, 1);
    await waitFor(async () => ((await count(r1)) === (await count(r2)) ? true : undefined));
    // this manager's server is now the primary, with r1 as its replica
    expect((await ha.getPrimaryNode())?.nodeName).toBe(nameOf(r2));
    expect(await ha.isHealthy()).toBe(true);
  }, T);

  it('with the primary down, refuses to fail over without force, promotes with force and says the old primary is not fenced', async () => {
    const c = await start(1);
    const r1 = c.replicas[0]!;
    await write(c.primary, 2);
    await c.waitForReplicas();
    process.kill(c.primary.pid, 'SIGKILL');
    await waitFor(async () => (c.primary.isRunning() ? undefined : true));
    const { ha } = await haOf(r1);
    expect(await ha.isHealthy()).toBe(false);
    const err = await ha.failover({ target: nameOf(r1) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(JSON.stringify((err as ValidationError).issues)).toMatch(/was not reached/);
    expect(await status(r1)).toBeDefined();
    const forced = await ha.failover({ target: nameOf(r1), force: true });
    expect(forced.data).toMatchObject({ promoted: nameOf(r1), forced: true, oldPrimary: { fenced: false } });
    expect(forced.message).toMatch(/not fenced/);
    expect(await status(r1)).toBeUndefined();
    expect(await readOnly(r1)).toBe('0');
    await write(r1, 1);
  }, T);

  it('with the primary frozen (its connections stay open, the replica still says IO Yes), the read-out from the replica is not healthy: the primary was not reached', async () => {
    const c = await start(1);
    const r1 = c.replicas[0]!;
    await write(c.primary, 1);
    await c.waitForReplicas();
    const { ha } = await haOf(r1);
    expect(await ha.isHealthy()).toBe(true);
    process.kill(c.primary.pid, 'SIGSTOP');
    try {
      // the replica has not noticed: its IO thread waits for the next event (slave_net_timeout, 60 s)
      expect((await status(r1))?.['Slave_IO_Running']).toBe('Yes');
      const nodes = await ha.getAllNodes();
      const up = nodes.find((n) => n.role === HARole.PRIMARY)!;
      expect(up).toMatchObject({ isHealthy: false, state: HAState.UNKNOWN, metadata: { reachable: false, replicaIoRunning: 'Yes' } });
      expect(String(up.metadata.reason)).toMatch(/^not reached from here/);
      expect(await ha.isHealthy()).toBe(false);
      expect((await status(r1))?.['Slave_IO_Running']).toBe('Yes'); // still: only the probe told
    } finally {
      process.kill(c.primary.pid, 'SIGCONT');
    }
    expect(await ha.isHealthy()).toBe(true);
  }, T);

  it('removeNode stops and resets a replica; addNode with a wrong password is reset again and rejected; with the right one it replicates', async () => {
    const c = await start();
    const r2 = c.replicas[1]!;
    const { ha } = await haOf(c.primary);
    await ha.getAllNodes();
    const removed = await ha.removeNode(nameOf(r2));
    expect(removed.statements).toEqual(['STOP REPLICA', 'RESET REPLICA ALL']);
    expect(await status(r2)).toBeUndefined();
    // still registered with the primary (its dump thread has not written since), but not listed: a stale registration
    expect((await c.primary.query('SHOW SLAVE HOSTS')).length).toBe(2);
    expect(byName(await ha.getAllNodes(), r2)).toBeUndefined();
    expect((await ha.getConfiguration())?.metadata.staleRegistrations).toEqual({ [nameOf(r2)]: 'registered, but no longer configured as a replica' });
    expect(await ha.isHealthy()).toBe(true);
    await waitFor(async () => {
      await write(c.primary);
      return (await c.primary.query('SHOW SLAVE HOSTS')).length === 1 ? true : undefined;
    });
    // forgotten: not a missing node
    expect(byName(await ha.getAllNodes(), r2)).toBeUndefined();
    await write(c.primary, 2);

    const repl = c.accounts.replication;
    const bad = await ha.addNode({ name: nameOf(r2), replicationUser: repl.user, replicationPassword: 'not-the-password' }).catch((e: unknown) => e);
    expect(String((bad as Error).message)).toMatch(/did not start replicating.*Access denied/);
    expect(JSON.stringify(bad)).not.toContain('not-the-password');
    expect(await status(r2)).toBeUndefined();
    expect(await readOnly(r2)).toBe('1');

    const ok = await ha.addNode({ name: nameOf(r2), replicationUser: repl.user, replicationPassword: repl.password });
    expect(ok.data).toMatchObject({ node: nameOf(r2), changed: true, gtid: 'slave_pos' });
    await c.waitForReplicas();
    expect(await count(r2)).toBe(await count(c.primary));
    expect(byName(await ha.getAllNodes(), r2)?.isHealthy).toBe(true);
    await expect(ha.addNode({ name: nameOf(r2), replicationUser: repl.user, replicationPassword: repl.password, priority: 1 })).rejects.toThrow(ValidationError);
    await expect(ha.removeNode('nosuch:1')).rejects.toThrow(/not a replica seen from here/);
  }, T);

  it('setSyncMode switches semi-sync on and off on the primary and its replicas; synchronous is refused', async () => {
    const c = await start();
    const { ha } = await haOf(c.primary);
    await expect(ha.setSyncMode(SyncMode.SYNCHRONOUS)).rejects.toThrow(UnsupportedOperationError);
    const on = await ha.setSyncMode(SyncMode.SEMI_SYNCHRONOUS);
    expect(on.statements.slice(0, 4)).toEqual(['SET GLOBAL rpl_semi_sync_master_enabled = ON', 'SET GLOBAL rpl_semi_sync_slave_enabled = ON', 'STOP REPLICA IO_THREAD', 'START REPLICA IO_THREAD']);
    expect((await c.primary.query("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync_master_enabled'"))[0]?.['Value']).toBe('ON');
    expect((await c.replicas[1]!.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_slave_status'"))[0]?.['Value']).toBe('ON');
    await waitFor(async () => (Number((await c.primary.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'"))[0]?.['Value']) === 2 ? true : undefined));
    expect((await ha.getConfiguration())?.syncMode).toBe(SyncMode.SEMI_SYNCHRONOUS);
    expect(await ha.isHealthy()).toBe(true);
    const off = await ha.setSyncMode(SyncMode.ASYNCHRONOUS);
    expect(off.statements[0]).toBe('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
    expect((await c.primary.query("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync_master_enabled'"))[0]?.['Value']).toBe('OFF');
    expect((await ha.getConfiguration())?.syncMode).toBe(SyncMode.ASYNCHRONOUS);
  }, T);

  it('a switchover under semi-sync enables it on the new primary, and the re-pointed replica acknowledges there', async () => {
    const c = await start(2, true);
    const [r1, r2] = [c.replicas[0]!, c.replicas[1]!];
    const { ha } = await haOf(c.primary);
    const result = await ha.failover({ target: nameOf(r1) });
    expect(result.statements).toContain('SET GLOBAL rpl_semi_sync_master_enabled = ON');
    expect((await r1.query("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync_master_enabled'"))[0]?.['Value']).toBe('ON');
    await waitFor(async () => (Number((await r1.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'"))[0]?.['Value']) === 1 ? true : undefined));
    await write(r1, 1);
    expect((await r1.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'"))[0]?.['Value']).toBe('1');
    expect((await status(r2))?.['Master_Port']).toBe(String(r1.port));
    const newHa = (await haOf(r1)).ha;
    expect((await newHa.getConfiguration())?.syncMode).toBe(SyncMode.SEMI_SYNCHRONOUS);
    expect(await newHa.isHealthy()).toBe(true);
  }, T);

  it('semi-sync without a connected semi-sync replica makes the primary unhealthy', async () => {
    const c = await start(1, true);
    const { ha } = await haOf(c.primary);
    expect(await ha.isHealthy()).toBe(true);
    await c.replicas[0]!.query('STOP SLAVE');
    await waitFor(async () => ((await c.primary.query('SHOW SLAVE HOSTS')).length === 0 ? true : undefined));
    const me = byName(await ha.getAllNodes(), c.primary)!;
    expect(me.isHealthy).toBe(false);
    expect(String(me.metadata.reason)).toMatch(/no semi-sync replica is connected/);
  }, T);
});

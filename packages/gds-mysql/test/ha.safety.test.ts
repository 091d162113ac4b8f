// Safety of the MySQLReplicationManager's changes against real MariaDB servers (throwaway primary + GTID
// replicas from @gds/testkit): hostile values in CHANGE MASTER (no placeholders there) arrive exactly or
// fail without injection, passwords never show in results or errors, dry runs change nothing, bad input
// is refused before anything is sent.
import { afterEach, describe, expect, it } from '@jest/globals';
import { DatabaseManager, SyncMode, ValidationError, type OperationResult } from '@gds/database';
import { findMariadbBinaries, mariadbMissingReason, mariadbString, startMariadb, type MariadbCluster, type MariadbNode } from '@gds/testkit';
import '../src/index.js';
import type { MySQLDatabase } from '../src/mysql-database.js';
import type { MySQLReplicationManager } from '../src/mysql-ha.js';

const binaries = findMariadbBinaries();
const describeMaria = binaries ? describe : describe.skip;
if (!binaries) console.log(`skipping MariaDB HA safety tests: ${mariadbMissingReason()}`);

let cluster: MariadbCluster | undefined;
const managers: DatabaseManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await cluster?.stop();
  cluster = undefined;
}, 60_000);

async function haOf(node: MariadbNode): Promise<MySQLReplicationManager> {
  const manager = await DatabaseManager.connect(node.url('', 'test'));
  managers.push(manager);
  return (manager.getDatabase('app') as MySQLDatabase).ha as MySQLReplicationManager;
}
const nameOf = (node: MariadbNode) => `127.0.0.1:${node.port}`;
const status = async (node: MariadbNode) => (await node.query('SHOW SLAVE STATUS'))[0];
/** What a dry run must not change: replication settings, positions, read-only and semi-sync of every node. */
async function snapshot(c: MariadbCluster): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const n of [c.primary, ...c.replicas]) {
    const s = await status(n);
    out.push(s ? [s['Master_Host'], s['Master_Port'], s['Slave_IO_Running'], s['Slave_SQL_Running'], s['Using_Gtid']] : null);
    out.push(await n.query('SELECT @@GLOBAL.read_only AS r, @@GLOBAL.gtid_binlog_pos AS b, @@GLOBAL.rpl_semi_sync_master_enabled AS m, @@GLOBAL.rpl_semi_sync_slave_enabled AS s'));
  }
  return out;
}
const everything = (r: OperationResult | unknown) => JSON.stringify(r) + ((r as { statements?: string[] }).statements ?? []).join('\n') + ((r as { messages?: string[] }).messages ?? []).join('\n') + String((r as Error).message ?? '');

describeMaria(`MySQLReplicationManager safety: MariaDB ${binaries?.major}.${binaries?.minor}, real servers`, () => {
  it('a hostile replication password reaches the server exactly (the replica connects with it) and is never shown', async () => {
    cluster = await startMariadb({ replica: 1 });
    const c = cluster;
    const r1 = c.replicas[0]!;
    const password = `p'w"\\;--x\` ${'$'}{}`;
    // an account with that password on the primary (through the client, literal quoted by the testkit)
    await c.primary.query(`CREATE USER 'hostile'@'127.0.0.1' IDENTIFIED BY ${mariadbString(password)}; GRANT REPLICATION SLAVE ON *.* TO 'hostile'@'127.0.0.1'`);
    await r1.query('STOP SLAVE; RESET SLAVE ALL');
    const ha = await haOf(c.primary);
    const result = await ha.addNode({ name: nameOf(r1), replicationUser: 'hostile', replicationPassword: password });
    expect((await status(r1))?.['Slave_IO_Running']).toBe('Yes');
    expect((await status(r1))?.['Master_User']).toBe('hostile');
    const shown = everything(result);
    expect(shown).not.toContain(password);
    expect(shown).not.toContain(`p''w`);
    expect(result.statements[0]).toBe(`CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${c.primary.port}, MASTER_USER = 'hostile', MASTER_PASSWORD = '***', MASTER_USE_GTID = slave_pos`);
  }, 60_000);

  it('a hostile source host is stored as one literal (no injected options), fails to connect, and is reset', async () => {
    cluster = await startMariadb({ replica: 1 });
    const c = cluster;
    const r1 = c.replicas[0]!;
    await r1.query('STOP SLAVE; RESET SLAVE ALL');
    const ha = await haOf(c.primary);
    const host = "127.0.0.1', MASTER_PORT = 1, MASTER_USER = 'root";
    const repl = c.accounts.replication;
    const err = await ha.addNode({ name: nameOf(r1), replicationUser: repl.user, replicationPassword: repl.password, sourceHost: host }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // the server tried to reach a host named with the whole string, as the replication user
    expect(String((err as Error).message)).toContain(`'${repl.user}@${host}:${c.primary.port}'`);
    expect(everything(err)).not.toContain(repl.password);
    expect(await status(r1)).toBeUndefined();
  }, 60_000);

  it('dry runs of failover, addNode, removeNode and setSyncMode change nothing', async () => {
    cluster = await startMariadb({ replica: 2 });
    const c = cluster;
    const ha = await haOf(c.primary);
    const before = await snapshot(c);
    const repl = c.accounts.replication;
    const results = [
      await ha.failover({ target: nameOf(c.replicas[0]!), dryRun: true }),
      await ha.removeNode(nameOf(c.replicas[1]!), { dryRun: true }),
      await ha.setSyncMode(SyncMode.SEMI_SYNCHRONOUS, { dryRun: true }),
    ];
    await c.replicas[1]!.query('STOP SLAVE; RESET SLAVE ALL');
    const mid = await snapshot(c);
    results.push(await ha.addNode({ name: nameOf(c.replicas[1]!), replicationUser: repl.user, replicationPassword: repl.password }, { dryRun: true }));
    for (const r of results) {
      expect(r.dryRun).toBe(true);
      expect(r.statements.length).toBeGreaterThan(0);
    }
    expect(results[0]!.statements.slice(0, 4)).toEqual(['SET GLOBAL read_only = ON', 'STOP REPLICA', 'RESET REPLICA ALL', 'SET GLOBAL read_only = OFF']);
    expect(await snapshot(c)).toEqual(mid);
    expect(mid.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(everything(results[3])).not.toContain(repl.password);
  }, 60_000);

  it('refuses bad input before anything reaches a server', async () => {
    cluster = await startMariadb({ replica: 1 });
    const c = cluster;
    const ha = await haOf(c.primary);
    const r1 = nameOf(c.replicas[0]!);
    const before = await snapshot(c);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: r1, replicationUser: 'repl', replicationPassword: 'abc' }, /at least 4 characters/],
      [{ name: r1, replicationUser: 'repl', replicationPassword: 'x'.repeat(33) }, /at most 32/],
      [{ name: r1, replicationUser: '', replicationPassword: 'abcd' }, /replication account/],
      [{ name: r1, replicationUser: 'repl', replicationPassword: 'abcd', sourcePort: 70000 }, /TCP port/],
      [{ name: r1, replicationUser: 'repl', replicationPassword: 'abcd', masterHost: 'x' }, /unknown field/],
      [{ name: nameOf(c.primary), replicationUser: 'repl', replicationPassword: 'abcd' }, /the primary itself/],
    ];
    for (const [spec, why] of cases) {
      const err = await ha.addNode(spec as { name: string }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(JSON.stringify((err as ValidationError).issues) + (err as Error).message).toMatch(why);
    }
    await expect(ha.failover({})).rejects.toThrow(ValidationError);
    await expect(ha.failover({ target: 'no-such-node' })).rejects.toThrow(/neither a connection URL/);
    await expect(ha.failover({ target: nameOf(c.primary) })).rejects.toThrow(/not a replica/);
    expect(await snapshot(c)).toEqual(before);
  }, 60_000);
});

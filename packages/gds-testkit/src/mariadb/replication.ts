// Replica wiring of a throwaway MariaDB cluster: pointing replicas at the primary (GTID slave_pos) and
// waiting until they run, have caught up, and (semi-sync) are connected as semi-sync clients.
import { setTimeout as sleep } from 'node:timers/promises';
import { sqlString } from './client.js';
import type { MariadbAccount, MariadbNode } from './cluster-node.js';

/** Points a replica at the primary with GTID auto-positioning (slave_pos) and starts both threads. */
export async function attachReplica(replica: MariadbNode, primary: MariadbNode, repl: MariadbAccount): Promise<void> {
  await replica.query(
    [
      `CHANGE MASTER TO MASTER_HOST=${sqlString(primary.host)}, MASTER_PORT=${primary.port},`,
      `  MASTER_USER=${sqlString(repl.user)}, MASTER_PASSWORD=${sqlString(repl.password)},`,
      '  MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;',
      'START SLAVE;',
    ].join('\n'),
  );
}

/** Waits until every replica runs both threads and has applied the primary's whole binary log. */
export async function waitForReplicas(primary: MariadbNode, replicas: readonly MariadbNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const [position] = await primary.query('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
  const pos = position?.['pos'] ?? '';
  for (const replica of replicas) {
    for (;;) {
      const [status] = await replica.query('SHOW SLAVE STATUS');
      const running = status?.['Slave_IO_Running'] === 'Yes' && status['Slave_SQL_Running'] === 'Yes';
      if (running) {
        const seconds = Math.max(0.001, (deadline - Date.now()) / 1000);
        const [waited] = await replica.query(`SELECT MASTER_GTID_WAIT(${sqlString(pos)}, ${seconds.toFixed(3)}) AS r`);
        if (waited?.['r'] === '0') break;
      }
      if (Date.now() >= deadline) {
        const why = status ? `IO ${status['Slave_IO_Running']}, SQL ${status['Slave_SQL_Running']}, ${status['Last_IO_Error'] || status['Last_SQL_Error'] || 'no error'}` : 'no replication configured';
        throw new Error(`${replica.name} did not catch up with ${pos || 'the primary'} within ${timeoutMs} ms (${why})`);
      }
      await sleep(20);
    }
  }
}

/** Waits until `count` replicas are connected to the primary as semi-sync clients. */
export async function waitForSemiSyncClients(primary: MariadbNode, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await primary.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'");
    if (Number(row?.['Value']) >= count) return;
    if (Date.now() >= deadline) throw new Error(`semi-sync: ${row?.['Value'] ?? 0} of ${count} replicas connected as semi-sync clients`);
    await sleep(20);
  }
}

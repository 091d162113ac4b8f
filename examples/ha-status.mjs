// Design 11.5, example 1: the HA status of a database, the same on every engine.
//   GDS_URL=... node examples/ha-status.mjs <db>
import { DatabaseManager } from '@gds/database';
import { loadEngine, requireUrl } from './engines.mjs';

export async function checkHaStatus(url, dbName) {
  await loadEngine(url);
  const manager = await DatabaseManager.connect(url);
  try {
    const db = manager.getDatabase(dbName);
    if (!db.supportsHighAvailability()) return console.log(`${dbName}: HA not supported`);
    const config = await db.ha.getConfiguration();
    if (!config) return console.log(`${dbName}: No HA configuration found`);
    console.log(`\n${dbName} HA Configuration:`);
    console.log(`  Type: ${config.type}`);
    console.log(`  Sync Mode: ${config.syncMode}`);
    console.log(`  Auto Failover: ${config.automaticFailover}`);
    console.log(`  Status: ${await db.ha.getStatus()}`);
    console.log(`  Healthy: ${await db.ha.isHealthy()}`);
    console.log('\n  Nodes:');
    for (const node of config.nodes) {
      console.log(`    - ${node.nodeName}`);
      console.log(`      Role: ${node.role}`);
      console.log(`      State: ${node.state}`);
      console.log(`      Healthy: ${node.isHealthy}`);
      // the design printed the lag only when non-zero (`if node.lag_seconds:`): 0 is a lag too
      if (node.lagSeconds !== undefined) console.log(`      Lag: ${node.lagSeconds.toFixed(2)}s`);
    }
  } finally {
    await manager.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await checkHaStatus(requireUrl(), process.argv[2] ?? 'postgres');

// Design 11.5, example 3: a failover with a health check first. The design asked on the terminal
// with input(); a script should not block, so an unhealthy configuration is refused unless
// --force is given (which also allows data loss where the engine distinguishes it).
//   GDS_URL=<primary> node examples/failover.mjs <db> <target> [--force]
// target: PostgreSQL the standby's URL; SQL Server the replica name; MongoDB the member host:port.
import { DatabaseManager } from '@gds/database';
import { loadEngine, requireUrl } from './engines.mjs';

export async function performFailover(url, dbName, target, force = false) {
  await loadEngine(url);
  const manager = await DatabaseManager.connect(url);
  try {
    const db = manager.getDatabase(dbName);
    if (!db.supportsHighAvailability()) {
      console.log("Database doesn't support HA");
      return false;
    }
    if (!(await db.ha.isHealthy()) && !force) {
      console.log('WARNING: HA configuration is not healthy; pass --force to fail over anyway');
      return false;
    }
    const primary = await db.ha.getPrimaryNode();
    console.log(`Current primary: ${primary?.nodeName ?? 'Unknown'}`);
    const result = await db.ha.failover({ target, force }); // rejects with a typed error on failure
    console.log(`Failover successful: ${result.message}`);
    return true;
  } finally {
    await manager.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dbName, target] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!dbName || !target) {
    console.error('usage: node examples/failover.mjs <db> <target> [--force]');
    process.exit(2);
  }
  process.exitCode = (await performFailover(requireUrl(), dbName, target, process.argv.includes('--force'))) ? 0 : 1;
}

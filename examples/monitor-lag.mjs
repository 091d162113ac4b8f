// Design 11.5, example 2: warn about replicas lagging more than a threshold. Exits 1 when one does.
//   GDS_URL=... node examples/monitor-lag.mjs <db> [threshold-seconds]
import { DatabaseManager } from '@gds/database';
import { loadEngine, requireUrl } from './engines.mjs';

export async function monitorReplicationLag(url, dbName, thresholdSeconds = 5) {
  await loadEngine(url);
  const manager = await DatabaseManager.connect(url);
  try {
    const db = manager.getDatabase(dbName);
    if (!db.supportsHighAvailability()) return [];
    const warnings = [];
    for (const [node, lag] of Object.entries(await db.ha.monitorLag())) {
      if (lag > thresholdSeconds) {
        warnings.push(node);
        console.log(`WARNING: ${node} is lagging by ${lag.toFixed(2)}s`);
      } else console.log(`OK: ${node} lag is ${lag.toFixed(2)}s`);
    }
    return warnings;
  } finally {
    await manager.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lagging = await monitorReplicationLag(requireUrl(), process.argv[2] ?? 'postgres', Number(process.argv[3] ?? 5));
  process.exitCode = lagging.length ? 1 : 0;
}

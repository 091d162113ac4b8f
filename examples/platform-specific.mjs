// Design 7.2: engine-specific operations, chosen by the Database object's class.
//   GDS_URL=... node examples/platform-specific.mjs <db>
import { DatabaseManager } from '@gds/database';
import { loadEngine, requireUrl } from './engines.mjs';

const url = requireUrl();
const [name = 'gds_example'] = process.argv.slice(2);
const engine = await loadEngine(url);
const manager = await DatabaseManager.connect(url);
try {
  const db = manager.getDatabase(name);
  if (engine.MSSQLDatabase && db instanceof engine.MSSQLDatabase) {
    await db.setRecoveryModel('full');
    await db.shrink({ targetPercent: 10 });
    const m = await db.getMetadata();
    console.log(`Recovery Model: ${m.recoveryModel}`);
    console.log(`Page Verify: ${m.pageVerify}`);
  } else if (engine.PostgreSQLDatabase && db instanceof engine.PostgreSQLDatabase) {
    const r = await db.vacuum({ analyze: true });
    console.log(`${r.statements.join('; ')} (${Math.round(r.durationMs)} ms)`);
    const m = await db.getMetadata();
    console.log(`Encoding: ${m.encoding}, connection limit: ${m.connectionLimit}`);
  } else if (engine.MongoDBDatabase && db instanceof engine.MongoDBDatabase) {
    console.log(`Profiling: ${JSON.stringify(await db.getProfilingLevel())}`);
  } else if (engine.SnowflakeDatabase && db instanceof engine.SnowflakeDatabase) {
    const m = await db.getMetadata();
    console.log(`Retention: ${m.retentionTimeDays} days, transient: ${m.isTransient}`);
  }
} finally {
  await manager.close();
}

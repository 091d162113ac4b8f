// Design 7.1, examples 1 and 2: basic operations on one database, then creating one with options.
//   GDS_URL=postgres://postgres@127.0.0.1:5432/postgres node examples/basic-operations.mjs <db> <backup-path>
import { BackupType, DatabaseManager } from '@gds/database';
import { loadEngine, requireUrl } from './engines.mjs';

const url = requireUrl();
const [name = 'gds_example', backupPath = `/tmp/${name}-${Date.now()}.backup`] = process.argv.slice(2);
await loadEngine(url);
const manager = await DatabaseManager.connect(url);
try {
  // Example 2: create a database (engine options differ: these are PostgreSQL's)
  const db = manager.getDatabase(name);
  if (!(await db.exists())) {
    const result = await manager.createDatabase(name, manager.type === 'postgresql' ? { template: 'template0', encoding: 'UTF8' } : {});
    console.log(`created: ${result.statements.join('; ')}`);
  }

  // Example 1: inspect, take offline, back up, bring online
  if (await db.exists()) {
    const m = await db.metadata();
    console.log(`Database: ${m.name}`);
    console.log(`Size: ${((m.sizeBytes ?? 0) / 1024 / 1024).toFixed(2)} MB`);
    console.log(`State: ${m.state}`);
    if (db.supports('state.offline')) await db.setOffline({ force: true });
    // a backup needs the database readable: PostgreSQL's offline refuses new sessions, so online first there
    if (db.supports('state.offline') && manager.type === 'postgresql') await db.setOnline();
    const backup = await db.backup(backupPath, { type: BackupType.FULL });
    console.log(`Backup: ${backup.data?.target} (${backup.data?.sizeBytes ?? '?'} bytes)`);
    if (db.supports('state.offline')) await db.setOnline();
    console.log(`State now: ${await db.getState()}`);
  }
} finally {
  await manager.close();
}

// Design 7.1, example 3: one function that backs up a database on any engine. The target is a
// file path for PostgreSQL and MongoDB, a path on the server for SQL Server, and the name of the
// zero-copy clone for Snowflake.
//   GDS_URL=... node examples/multi-platform-backup.mjs <db> <target>
import { DatabaseManager } from '@gds/database';
import { loadEngine, requireUrl } from './engines.mjs';

export async function backupDatabase(url, dbName, target) {
  await loadEngine(url);
  const manager = await DatabaseManager.connect(url);
  try {
    const result = await manager.getDatabase(dbName).backup(target);
    return result.isSuccess(); // a failed backup rejects: this is always true when it returns
  } finally {
    await manager.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dbName, target] = process.argv.slice(2);
  if (!dbName || !target) {
    console.error('usage: node examples/multi-platform-backup.mjs <db> <target>');
    process.exit(2);
  }
  console.log(`backed up: ${await backupDatabase(requireUrl(), dbName, target)}`);
}

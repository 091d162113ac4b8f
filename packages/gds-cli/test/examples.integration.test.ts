// The examples/ scripts (the design's examples, ported) run as real subprocesses: against a
// throwaway PostgreSQL primary + standby, and the engine-neutral ones against the MongoDB wire
// simulator (a simulator, not a real MongoDB server).
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPostgres, type PostgresCluster } from '@gds/testkit';
import { MongoSimulator } from '@gds/testkit/mongo';
import { built, root, skipLine } from './helpers.js';

const example = (file: string, args: string[], url: string) =>
  spawnSync(process.execPath, [join(root, 'examples', file), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, GDS_URL: url } });

// the simulator runs in this process: its subprocess must not block our event loop
const exampleAsync = (file: string, args: string[], url: string): Promise<{ status: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'examples', file), ...args], { cwd: root, env: { ...process.env, GDS_URL: url } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

skipLine('examples');
if (built) process.stderr.write('SKIP examples against SQL Server and Snowflake: they need a real server (GDS_URL); their simulators answer only scripted requests\n');
(built ? describe : describe.skip)('examples/ (subprocesses)', () => {
  let cluster: PostgresCluster;
  let sim: MongoSimulator;
  beforeAll(async () => {
    cluster = await startPostgres({ standby: true });
    sim = await MongoSimulator.start({ members: 3 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await sim?.stop();
  }, 60_000);

  it('PostgreSQL: basic operations, multi-platform backup, platform-specific, HA status and lag, failover', () => {
    const url = cluster.primary.url('postgres');
    const dump = join(cluster.rootDir, 'ex.dump');
    const basic = example('basic-operations.mjs', ['ex_db', dump], url);
    expect(basic.stderr).toBe('');
    expect(basic.stdout).toMatch(/created: CREATE DATABASE "ex_db" WITH TEMPLATE = "template0" ENCODING = 'UTF8'/);
    expect(basic.stdout).toMatch(/Backup: .*ex\.dump \(\d+ bytes\)\nState now: online/);
    expect(example('multi-platform-backup.mjs', ['ex_db', join(cluster.rootDir, 'ex2.dump')], url).stdout).toBe('backed up: true\n');
    expect(example('platform-specific.mjs', ['ex_db'], url).stdout).toMatch(/VACUUM \(FULL false, ANALYZE true\).*\nEncoding: UTF8, connection limit: -1/);
    const status = example('ha-status.mjs', ['postgres'], url);
    expect(status.stdout).toMatch(/Type: streaming_replication[\s\S]*Role: primary[\s\S]*Role: standby[\s\S]*Lag: \d+\.\d\ds/);
    const lag = example('monitor-lag.mjs', ['postgres', '5'], url);
    expect(lag.stdout).toMatch(/^OK: \S+ lag is \d+\.\d\ds$/m);
    expect(lag.status).toBe(0);
    const failover = example('failover.mjs', ['postgres', cluster.standby!.url('postgres')], url);
    expect(failover.stdout).toMatch(/Current primary: 127\.0\.0\.1:\d+\nFailover successful: promoted/);
    expect(failover.status).toBe(0);
    rmSync(dump, { force: true });
  }, 120_000);

  it('MongoDB (simulated replica set): HA status, lag and basic operations', async () => {
    const url = sim.url;
    const status = await exampleAsync('ha-status.mjs', ['app'], url);
    expect(status.stderr).toBe('');
    expect(status.stdout).toMatch(/Type: replica_set[\s\S]*Role: primary[\s\S]*Role: secondary/);
    expect((await exampleAsync('monitor-lag.mjs', ['app'], url)).status).toBe(0);
    const basic = await exampleAsync('basic-operations.mjs', ['shop', join(cluster.rootDir, 'shop-dump')], url);
    expect(basic.stderr).toBe('');
    expect(basic.stdout).toMatch(/Database: shop[\s\S]*Backup: .*shop-dump/);
  }, 60_000);
});

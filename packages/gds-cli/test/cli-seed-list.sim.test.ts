// The gds command (a real subprocess) with a MongoDB seed-list URL (mongodb://h1,h2,h3/?replicaSet=rs0),
// against the MongoDB wire simulator of @gds/testkit (not a real MongoDB server): `ha status`,
// `ha lag` and `verify` parse it (no "Invalid URL"), and `verify` without a database uses the
// engine's own (admin), not `postgres`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoSimulator } from '@gds/testkit/mongo';
import { built, gds, skipLine } from './helpers.js';

let rs: MongoSimulator;
const dir = mkdtempSync(join(tmpdir(), 'gds-seed-'));

skipLine('gds CLI with a MongoDB seed-list URL (simulator)');
(built ? describe : describe.skip)('gds with mongodb://h1,h2,h3/?replicaSet=rs0 (subprocess, MongoDB wire simulator)', () => {
  beforeAll(async () => {
    rs = await MongoSimulator.start({ members: 3, setName: 'rs0' });
  });
  afterAll(async () => {
    await rs?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the URL is a seed list of three hosts', () => {
    expect(rs.url).toMatch(/^mongodb:\/\/[^/]+,[^/]+,[^/]+\/\?replicaSet=rs0/);
  });

  it('ha status and ha lag read the replica set (replSetGetStatus reached the simulator)', async () => {
    const before = rs.commands('replSetGetStatus').length;
    const status = await gds(['--url', rs.url, '--json', 'ha', 'status']);
    expect(status.stderr).not.toMatch(/Invalid URL/);
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout) as { ok: boolean; nodes?: unknown[] };
    expect(doc.ok).toBe(true);
    expect(JSON.stringify(doc)).toMatch(/PRIMARY|primary/);
    const lag = await gds(['--url', rs.url, '--json', 'ha', 'lag']);
    expect(lag.stderr).not.toMatch(/Invalid URL/);
    expect(lag.code).toBe(0);
    expect(rs.commands('replSetGetStatus').length).toBeGreaterThan(before);
  }, 60_000);

  it('verify without a database does not fall back to postgres', async () => {
    const bogus = join(dir, 'not-a-dump.archive');
    writeFileSync(bogus, 'not an archive');
    const run = await gds(['--url', rs.url, '--json', 'verify', bogus]);
    expect(run.stderr).not.toMatch(/Invalid URL/);
    expect(run.stdout + run.stderr).not.toMatch(/"postgres"|database postgres/);
    const doc = JSON.parse(run.stdout) as { ok: boolean; result?: { data?: { valid?: boolean } }; error?: { message: string } };
    // a file that is not an archive is reported invalid (or refused), never a URL error
    if (doc.ok) expect(doc.result?.data?.valid).toBe(false);
    else expect(doc.error?.message).not.toMatch(/URL/);
  }, 60_000);
});

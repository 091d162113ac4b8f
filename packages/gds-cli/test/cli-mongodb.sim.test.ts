// The gds command (a real subprocess) with the MongoDB engine, against the loopback MongoDB wire
// simulator of @gds/testkit (not a real MongoDB server): the engine is chosen by the URL scheme,
// generic commands work, unsupported ones say why, engine operations live under `gds mongodb`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoSimulator } from '@gds/testkit/mongo';
import { built, gds, skipLine } from './helpers.js';

let sim: MongoSimulator;
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

skipLine('gds CLI with the MongoDB simulator');
(built ? describe : describe.skip)('gds with mongodb:// (subprocess, MongoDB wire simulator)', () => {
  beforeAll(async () => {
    sim = await MongoSimulator.start();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('creates, lists, inspects and drops a database; state changes are unsupported with a reason', async () => {
    const url = sim.url;
    const created = await gds(['--url', url, '--json', 'create', 'shop', '--opt', 'collection=orders']);
    expect(created.code).toBe(0);
    expect(json(created.stdout)).toMatchObject({ ok: true, result: { success: true } });
    const ls = json((await gds(['--url', url, '--json', 'ls'])).stdout);
    expect((ls.databases as { name: string }[]).map((d) => d.name)).toContain('shop');
    const colls = json((await gds(['--url', url, '--json', 'mongodb', 'collections', 'shop'])).stdout);
    expect(colls).toMatchObject({ ok: true, database: 'shop', collections: [expect.objectContaining({ name: 'orders' })] });
    const offline = await gds(['--url', url, '--yes', 'state', 'shop', 'offline']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/mongodb does not support setOffline/);
    const wrongEngine = await gds(['--url', url, 'postgres', 'vacuum', 'shop']);
    expect(wrongEngine.code).toBe(2);
    expect(wrongEngine.stderr).toMatch(/'vacuum' is a postgresql operation, but the target is a mongodb server/);
    expect((await gds(['--url', url, '--yes', 'drop', 'shop'])).code).toBe(0);
    expect(((json((await gds(['--url', url, '--json', 'ls'])).stdout).databases as { name: string }[]).map((d) => d.name))).not.toContain('shop');
    expect(sim.received.map((c) => c.command)).toEqual(expect.arrayContaining(['create', 'listDatabases', 'listCollections', 'dropDatabase']));
  }, 60_000);
});

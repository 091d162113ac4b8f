// The peer launchers and the fakesnow adapter: the adapter's Arrow -> JSON conversion and error
// rewriting on Arrow data built here (always run), skip reasons, and, where the peers are
// installed (scripts/install-peers.sh), a real FerretDB and fakesnow started and stopped with
// nothing left behind. Peers are software written by others, not the real servers.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { Bool, DateDay, Float64, Int64, Struct, Field, Utf8, Int32, makeVector, tableToIPC, Table, vectorFromArray } from 'apache-arrow';
import { BSON } from 'bson';
import { arrowToJsonRowset, peerSkipReason, rewriteReply, startFakesnow, startFerretDb } from '../src/peers.js';
import { isAlive } from '../src/postgres/exit-cleanup.js';

function b64(table: Table): string {
  return Buffer.from(tableToIPC(table, 'stream')).toString('base64');
}

describe('fakesnow adapter: Arrow -> Snowflake JSON rowsets (no peer needed)', () => {
  it('encodes numbers, texts, booleans, dates, timestamps and NULLs as Snowflake JSON does', () => {
    const ts = new Struct([new Field('epoch', new Int64(), false), new Field('fraction', new Int32(), false)]);
    const table = new Table({
      n: vectorFromArray([1n, null], new Int64()),
      r: vectorFromArray([1.5, 2], new Float64()),
      s: vectorFromArray(['GDS_DB', 'ü'], new Utf8()),
      b: vectorFromArray([true, false], new Bool()),
      d: vectorFromArray([new Date(Date.UTC(1970, 0, 3)), null], new DateDay()),
      t: vectorFromArray([{ epoch: 1_700_000_000n, fraction: 5 }, null], ts),
    });
    const rowtype = [
      { name: 'n', type: 'fixed', scale: 0 },
      { name: 'r', type: 'real' },
      { name: 's', type: 'text' },
      { name: 'b', type: 'boolean' },
      { name: 'd', type: 'date' },
      { name: 't', type: 'timestamp_ntz' },
    ];
    expect(arrowToJsonRowset(b64(table), rowtype)).toEqual([
      ['1', '1.5', 'GDS_DB', 'true', '2', '1700000000.000000005'],
      [null, '2', 'ü', 'false', null, null],
    ]);
    expect(makeVector(new Int32Array([1])).length).toBe(1);
  });

  it('an empty rowsetBase64 is no rows; a column count that differs from rowtype is refused', () => {
    expect(arrowToJsonRowset('', [{ name: 'x', type: 'text' }])).toEqual([]);
    const table = new Table({ a: vectorFromArray(['x'], new Utf8()) });
    expect(() => arrowToJsonRowset(b64(table), [])).toThrow(/1 columns, rowtype 0/);
  });

  it('rewrites an Arrow reply to JSON and an HTTP 500 into a 200 success:false reply; leaves others alone', () => {
    const counts = { arrow: 0, errors: 0 };
    const table = new Table({ name: vectorFromArray(['A'], new Utf8()) });
    const arrow = rewriteReply(200, Buffer.from(JSON.stringify({ success: true, data: { queryResultFormat: 'arrow', rowsetBase64: b64(table), rowtype: [{ name: 'name', type: 'text' }] } })), counts);
    const a = JSON.parse(arrow.body.toString()) as { data: { queryResultFormat: string; rowset: unknown; rowsetBase64?: string; total: number } };
    expect(a.data).toMatchObject({ queryResultFormat: 'json', rowset: [['A']], total: 1 });
    expect(a.data.rowsetBase64).toBeUndefined();
    const err = rewriteReply(500, Buffer.from(JSON.stringify({ success: false, code: '261000', message: 'Unhandled exception', data: null })), counts);
    expect(err.status).toBe(200);
    expect(JSON.parse(err.body.toString())).toMatchObject({ success: false, code: '261000', message: 'Unhandled exception', data: { errorCode: '261000' } });
    const dml = rewriteReply(200, Buffer.from(JSON.stringify({ success: true, data: { queryResultFormat: 'json', rowset: [['1']], total: 1 } })), counts);
    expect(JSON.parse(dml.body.toString())).toMatchObject({ data: { rowset: [['1']], returned: 1 } });
    const plain = Buffer.from('{"success":true,"data":{"token":"t"}}');
    expect(rewriteReply(200, plain, counts).body).toBe(plain);
    expect(rewriteReply(502, Buffer.from('not json'), counts).status).toBe(502);
    expect(counts).toEqual({ arrow: 1, errors: 1 });
  });
});

describe('peerSkipReason (no peer needed)', () => {
  it('prints one line: GDS_TEST_PEERS=0 turns peers off; a missing peer names the install failure', () => {
    const cache = mkdtempSync(join(tmpdir(), 'gds-peers-cache-'));
    try {
      const lines: string[] = [];
      const print = (l: string) => lines.push(l);
      expect(peerSkipReason('ferretdb', { GDS_TEST_PEERS: '0', GDS_PEERS_CACHE: cache, PATH: '' }, print)).toMatch(/GDS_TEST_PEERS=0/);
      writeFileSync(join(cache, 'mongo-tools.missing'), 'not installed: go mod download failed: 403 Forbidden\n');
      expect(peerSkipReason('mongo-tools', { GDS_TEST_PEERS: '1', GDS_PEERS_CACHE: cache, PATH: '' }, print)).toBe(
        'mongo-tools peer suite skipped (MongoDB Database Tools 100.18.0 (mongodump, mongorestore, bsondump)): GDS_TEST_PEERS=1 but not installed: go mod download failed: 403 Forbidden',
      );
      expect(peerSkipReason('sqlfluff', { GDS_PEERS_CACHE: cache, PATH: '' }, print)).toMatch(/not installed in .*run bash scripts\/install-peers\.sh/);
      expect(lines).toHaveLength(3);
      expect(lines.every((l) => l.startsWith('SKIP ') && !l.includes('\n'))).toBe(true);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** One OP_MSG `hello` over a raw socket (no driver): the reply document. */
function hello(port: number): Promise<BSON.Document> {
  return new Promise((resolve, reject) => {
    const body = BSON.serialize({ hello: 1, $db: 'admin' });
    const header = Buffer.alloc(21);
    header.writeInt32LE(21 + body.length, 0);
    header.writeInt32LE(1, 4);
    header.writeInt32LE(0, 8);
    header.writeInt32LE(2013, 12);
    header.writeUInt32LE(0, 16);
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(Buffer.concat([header.subarray(0, 20), Buffer.from([0]), body])));
    let got = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= 4 && got.length >= got.readInt32LE(0)) {
        s.destroy();
        resolve(BSON.deserialize(got.subarray(21)));
      }
    });
    s.once('error', reject);
  });
}

const ferretSkip = peerSkipReason('ferretdb');
(ferretSkip ? describe.skip : describe)('startFerretDb: FerretDB 1.24 (a MongoDB-compatible server), not MongoDB', () => {
  it('serves OP_MSG hello on a loopback port, and stop() leaves no process, directory or listener', async () => {
    const fdb = await startFerretDb();
    let stopped = false;
    try {
      expect(fdb.url).toBe(`mongodb://127.0.0.1:${fdb.port}/?directConnection=true`);
      expect(existsSync(fdb.dir)).toBe(true);
      const reply = await hello(fdb.port);
      expect(reply.ok).toBe(1);
      expect(reply.isWritablePrimary).toBe(true);
      expect(reply.setName).toBeUndefined(); // the embeddable package has no replica-set name option
      await fdb.stop();
      stopped = true;
      expect(isAlive(fdb.pid)).toBe(false);
      expect(existsSync(fdb.dir)).toBe(false);
      expect(await refused(fdb.port)).toBe(true);
    } finally {
      if (!stopped) await fdb.stop();
    }
  }, 90_000);
});

const fakesnowSkip = peerSkipReason('fakesnow');
(fakesnowSkip ? describe.skip : describe)('startFakesnow: fakesnow 0.12.1 (a Snowflake imitation), not Snowflake', () => {
  it('logs in and answers a query through the adapter in JSON; an unsupported statement is a 200 success:false; stop() leaves nothing', async () => {
    const fs = await startFakesnow();
    let stopped = false;
    try {
      const base = `http://127.0.0.1:${fs.port}`;
      const post = async (path: string, body: unknown, token?: string) => {
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...(token ? { authorization: `Snowflake Token="${token}"` } : {}) },
          body: gzipSync(JSON.stringify(body)),
        });
        return { status: res.status, json: (await res.json()) as { success: boolean; code?: string; data: Record<string, unknown> } };
      };
      const login = await post('/session/v1/login-request', { data: { LOGIN_NAME: 'fake', PASSWORD: 'snow', SESSION_PARAMETERS: {} } });
      expect(login.json.success).toBe(true);
      const token = login.json.data.token as string;
      const q = await post('/queries/v1/query-request', { sqlText: "SELECT 1 AS n, 'x' AS s", bindings: null }, token);
      expect(q.json.data.queryResultFormat).toBe('json');
      expect(q.json.data.rowset).toEqual([['1', 'x']]);
      const bad = await post('/queries/v1/query-request', { sqlText: "SELECT SYSTEM$GDS_NO_SUCH_FUNCTION('x')" }, token);
      expect(bad.status).toBe(200);
      expect(bad.json.success).toBe(false);
      expect(fs.adapter.rewritten.arrow).toBeGreaterThanOrEqual(1);
      await fs.stop();
      stopped = true;
      expect(await refused(fs.port)).toBe(true);
      expect(await refused(fs.upstreamPort)).toBe(true);
    } finally {
      if (!stopped) await fs.stop();
    }
  }, 90_000);
});

// The MongoDB wire simulator's own tests, over raw sockets (the driver end to end is exercised by
// @gds/mongodb's *.sim.test.ts files): framing, the OP_QUERY handshake, OP_MSG commands with
// document sequences, scripted replies and errors, cursors in batches, replica-set commands.
import net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Double, Int32, Long, Timestamp, serialize, type Document } from 'bson';
import { MongoSimulator, implicitDefaultWriteConcern, decodeMessage, decodeReply, encodeQuery, encodeRequest, exactDocument, splitFrames, OP_MSG, OP_REPLY } from '@gds/testkit/mongo';

class Client {
  readonly socket: net.Socket;
  #pending: Buffer = Buffer.alloc(0);
  #waiters: Array<(frame: Buffer) => void> = [];
  #id = 1;

  constructor(host: string) {
    const [h, p] = host.split(':');
    this.socket = net.connect(Number(p), h!);
    this.socket.on('data', (chunk: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      const { frames, rest } = splitFrames(this.#pending);
      this.#pending = rest;
      for (const f of frames) this.#waiters.shift()?.(f);
    });
  }

  send(frame: Buffer): Promise<{ responseTo: number; opCode: number; doc: Document }> {
    return new Promise((resolve) => {
      this.#waiters.push((f) => resolve(decodeReply(f)));
      this.socket.write(frame);
    });
  }

  command(doc: Document, sequences: Record<string, Document[]> = {}): Promise<Document> {
    return this.send(encodeRequest(doc, this.#id++, sequences)).then((r) => r.doc);
  }

  close(): void {
    this.socket.destroy();
  }
}

let sim: MongoSimulator | undefined;
let client: Client | undefined;
afterEach(async () => {
  client?.close();
  await sim?.stop();
  sim = undefined;
  client = undefined;
});

describe('MongoDB wire simulator (simulator self-test)', () => {
  it('frames: splits concatenated messages and keeps a partial one', () => {
    const a = encodeRequest({ ping: 1, $db: 'admin' }, 1);
    const b = encodeRequest({ ping: 1, $db: 'x' }, 2);
    const { frames, rest } = splitFrames(Buffer.concat([a, b.subarray(0, 10)]));
    expect(frames).toHaveLength(1);
    expect(rest).toHaveLength(10);
    const decoded = decodeMessage(frames[0]!);
    expect(decoded.opCode).toBe(OP_MSG);
    expect(decoded.body).toEqual({ ping: 1, $db: 'admin' });
  });

  it('folds OP_MSG document sequences into the body and keeps their exact bytes', () => {
    const docs = [{ _id: 1, n: new Double(2) }, { _id: 2, l: Long.fromNumber(7) }];
    const m = decodeMessage(encodeRequest({ insert: 'c', $db: 'd' }, 3, { documents: docs }));
    expect(m.body.documents).toHaveLength(2);
    expect(Buffer.compare(m.sequences.documents![1]!, Buffer.from(serialize(docs[1]!)))).toBe(0);
    expect(exactDocument(m.sequences.documents![0]!).n).toBeInstanceOf(Double);
  });

  it('answers the OP_QUERY handshake with OP_REPLY and a standalone hello', async () => {
    sim = await MongoSimulator.start();
    client = new Client(sim.hosts[0]!);
    const reply = await client.send(encodeQuery('admin.$cmd', { isMaster: 1, helloOk: true }, 9));
    expect(reply.opCode).toBe(OP_REPLY);
    expect(reply.responseTo).toBe(9);
    expect(reply.doc).toMatchObject({ ismaster: true, maxWireVersion: 21, logicalSessionTimeoutMinutes: 30, ok: 1 });
    expect(reply.doc.setName).toBeUndefined();
    expect(reply.doc.topologyVersion).toBeUndefined();
    expect(sim.url).toBe(`mongodb://${sim.hosts[0]}/?directConnection=true`);
  });

  it('records commands with their database, and answers scripts before built-ins', async () => {
    sim = await MongoSimulator.start();
    sim.script({ command: 'dbStats', db: 'app', reply: { db: 'app', collections: 42 } });
    sim.script({ command: 'dropDatabase', error: { code: 13, codeName: 'Unauthorized', errmsg: 'not authorized on app' }, times: 1 });
    client = new Client(sim.hosts[0]!);
    expect(await client.command({ dbStats: 1, $db: 'app' })).toEqual({ db: 'app', collections: 42, ok: 1 });
    expect((await client.command({ dbStats: 1, $db: 'other' })).collections).toBe(0);
    expect(await client.command({ dropDatabase: 1, $db: 'app' })).toMatchObject({ ok: 0, code: 13, codeName: 'Unauthorized' });
    expect(await client.command({ dropDatabase: 1, $db: 'app' })).toMatchObject({ ok: 1, dropped: 'app' });
    expect(await client.command({ nope: 1, $db: 'app' })).toMatchObject({ ok: 0, code: 59 });
    expect(sim.commands('dropDatabase', 'app')).toHaveLength(2);
    expect(sim.received.map((r) => `${r.db}.${r.command}`)).toEqual(['app.dbStats', 'other.dbStats', 'app.dropDatabase', 'app.dropDatabase', 'app.nope']);
  });

  it('serves a find in batches through getMore and stores inserts exactly', async () => {
    sim = await MongoSimulator.start();
    sim.store.putCollection('app', 'c', Array.from({ length: 5 }, (_, i) => ({ _id: i })));
    client = new Client(sim.hosts[0]!);
    const first = await client.command({ find: 'c', batchSize: 2, $db: 'app' });
    expect(first.cursor.firstBatch).toEqual([{ _id: 0 }, { _id: 1 }]);
    const id = first.cursor.id as number; // promoted from int64 by bson's defaults
    expect(id).not.toBe(0);
    const second = await client.command({ getMore: id, collection: 'c', batchSize: 2, $db: 'app' });
    expect(second.cursor.nextBatch).toEqual([{ _id: 2 }, { _id: 3 }]);
    const last = await client.command({ getMore: id, collection: 'c', batchSize: 2, $db: 'app' });
    expect(last.cursor.nextBatch).toEqual([{ _id: 4 }]);
    expect(last.cursor.id).toBe(0);
    expect(sim.store.openCursors).toBe(0);
    await client.command({ insert: 'd', $db: 'app' }, { documents: [{ _id: 1, x: new Int32(3), y: new Double(1) }] });
    const stored = sim.store.collection('app', 'd')!.docs[0]!;
    expect(stored.y).toBeInstanceOf(Double);
    expect(await client.command({ create: 'd', $db: 'app' })).toMatchObject({ ok: 0, code: 48, codeName: 'NamespaceExists' });
  });

  it('a replica set: members know each other, the status and reconfig rules hold, step-down elects', async () => {
    sim = await MongoSimulator.start({ members: 3 });
    client = new Client(sim.hosts[1]!);
    const hello = await client.command({ hello: 1, $db: 'admin' });
    expect(hello).toMatchObject({ setName: 'rs0', hosts: sim.hosts, primary: sim.hosts[0], me: sim.hosts[1], isWritablePrimary: false, secondary: true });
    sim.memberStates.set(sim.hosts[2]!, { health: 1, lagSeconds: 7 });
    const status = await client.command({ replSetGetStatus: 1, $db: 'admin' });
    const names = (status.members as Document[]).map((m) => `${m.name}:${m.stateStr}`);
    expect(names).toEqual([`${sim.hosts[0]}:PRIMARY`, `${sim.hosts[1]}:SECONDARY`, `${sim.hosts[2]}:SECONDARY`]);
    const p = (status.members as Document[])[0]!.optimeDate as Date;
    const s = (status.members as Document[])[2]!.optimeDate as Date;
    expect((p.getTime() - s.getTime()) / 1000).toBe(7);
    client.close();
    client = new Client(sim.hosts[0]!);
    const config = ((await client.command({ replSetGetConfig: 1, $db: 'admin' })).config) as Document;
    const twoNew = { ...config, version: 2, members: [...(config.members as Document[]), { _id: 5, host: 'a:1' }, { _id: 6, host: 'b:1' }] };
    expect(await client.command({ replSetReconfig: twoNew, $db: 'admin' })).toMatchObject({ ok: 0, code: 103 });
    expect(await client.command({ replSetReconfig: { ...config, version: 1 }, $db: 'admin' })).toMatchObject({ ok: 0, code: 103 });
    expect(await client.command({ replSetStepDown: 60, $db: 'admin' })).toMatchObject({ ok: 1 });
    expect(sim.primaryIndex).toBe(1);
  });

  it('documented rules: 246 on a capped snapshot read below 8.0, empty timestamps replaced unless bypassed, unknown index options refused', async () => {
    sim = await MongoSimulator.start({ members: 1 });
    sim.store.putCollection('app', 'log', [{ _id: 1 }], { options: { capped: true, size: 4096 } });
    client = new Client(sim.hosts[0]!);
    expect(await client.command({ find: 'log', readConcern: { level: 'snapshot' }, $db: 'app' })).toMatchObject({ ok: 0, code: 246, codeName: 'SnapshotUnavailable' });
    expect(await client.command({ find: 'log', $db: 'app' })).toMatchObject({ ok: 1 });
    const zero = new Timestamp({ t: 0, i: 0 });
    await client.command({ insert: 't', $db: 'app' }, { documents: [{ _id: 1, ts: zero }] });
    await client.command({ insert: 't', bypassEmptyTsReplacement: true, $db: 'app' }, { documents: [{ _id: 2, ts: zero }] });
    const [replaced, kept] = sim.store.collection('app', 't')!.docs.map((d) => d.ts as Timestamp);
    expect(replaced!.high).toBeGreaterThan(0);
    expect(kept!.high).toBe(0);
    expect(sim.store.collection('app', 't')!.raw[1]).toEqual(Buffer.from(serialize({ _id: 2, ts: zero })));
    expect(await client.command({ createIndexes: 'log', indexes: [{ key: { a: 1 }, name: 'a_1', dropDups: true }], $db: 'app' })).toMatchObject({ ok: 0, code: 197 });
    expect(await client.command({ createIndexes: 'log', indexes: [{ key: { a: 1 }, name: 'a_1', dropDups: true }], ignoreUnknownIndexOptions: true, $db: 'app' })).toMatchObject({ ok: 1 });
    expect(sim.store.collection('app', 'log')!.indexes.find((i) => i.name === 'a_1')).toEqual({ v: 2, key: { a: 1 }, name: 'a_1' });
  });

  it('documented rules: implicit default write concern (PSA w: 1), reconfig that would change it refused, no primary without a majority', async () => {
    sim = await MongoSimulator.start({ members: 3 });
    client = new Client(sim.hosts[0]!);
    expect(await client.command({ getDefaultRWConcern: 1, $db: 'admin' })).toMatchObject({ defaultWriteConcern: { w: 'majority', wtimeout: 0 }, defaultWriteConcernSource: 'implicit' });
    const config = ((await client.command({ replSetGetConfig: 1, $db: 'admin' })).config) as Document;
    const psa = { ...config, version: 2, members: [...(config.members as Document[]).slice(0, 2), { _id: 2, host: sim.hosts[2], arbiterOnly: true, priority: 0 }] };
    expect(implicitDefaultWriteConcern(psa)).toEqual({ w: 1, wtimeout: 0 });
    expect(await client.command({ replSetReconfig: psa, force: true, $db: 'admin' })).toMatchObject({ ok: 0, code: 103, errmsg: expect.stringContaining('implicit default write concern') });
    await client.command({ setDefaultRWConcern: 1, defaultWriteConcern: { w: 'majority' }, $db: 'admin' });
    expect(await client.command({ replSetReconfig: psa, $db: 'admin' })).toMatchObject({ ok: 1 });
    expect(await client.command({ getDefaultRWConcern: 1, $db: 'admin' })).toMatchObject({ defaultWriteConcernSource: 'global' });
    sim.memberStates.set(sim.hosts[1]!, { health: 0, lagSeconds: 0 });
    sim.memberStates.set(sim.hosts[2]!, { health: 0, lagSeconds: 0 });
    const hello = await client.command({ hello: 1, $db: 'admin' });
    expect(hello.isWritablePrimary).toBe(false);
    expect(hello.primary).toBeUndefined();
    expect(await client.command({ insert: 'x', $db: 'app' }, { documents: [{ _id: 1 }] })).toMatchObject({ ok: 0, code: 10107 });
  });

  it('a standalone refuses replica-set commands with NoReplicationEnabled', async () => {
    sim = await MongoSimulator.start();
    client = new Client(sim.hosts[0]!);
    expect(await client.command({ replSetGetStatus: 1, $db: 'admin' })).toMatchObject({ ok: 0, code: 76, codeName: 'NoReplicationEnabled' });
  });
});

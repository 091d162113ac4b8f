// The TDS simulator on its own, driven by a raw socket client built here from the TDS 7.4
// layouts (the real driver, tedious, is exercised against it in @gds/mssql's *.sim.test.ts).
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TdsCatalog, TdsSimulator } from '@gds/testkit/tds';
import { MessageReader, packets, PacketType } from '../src/tds/packet.js';
import { decodeLogin7, decodeRpc } from '../src/tds/decode.js';
import { encodeValue, inferType, resolveColumns } from '../src/tds/values.js';

const ucs2 = (s: string) => Buffer.from(s, 'utf16le');

function login7(user: string, password: string, database: string): Buffer {
  const fields = ['host', user, password, 'raw-client', '127.0.0.1', '', 'lib', '', database];
  const fixed = Buffer.alloc(94);
  let offset = 94;
  const data: Buffer[] = [];
  const slots = [36, 40, 44, 48, 52, 56, 60, 64, 68];
  fields.forEach((value, i) => {
    let bytes = ucs2(value);
    if (i === 2) bytes = Buffer.from(bytes.map((b) => (((b << 4) & 0xf0) | (b >> 4)) ^ 0xa5));
    fixed.writeUInt16LE(offset, slots[i]!);
    fixed.writeUInt16LE(value.length, slots[i]! + 2);
    data.push(bytes);
    offset += bytes.length;
  });
  const body = Buffer.concat([fixed, ...data]);
  body.writeUInt32LE(body.length, 0);
  body.writeUInt32BE(0x74000004, 4);
  return body;
}

const ALL_HEADERS = (() => {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(22, 0);
  b.writeUInt32LE(18, 4);
  b.writeUInt16LE(2, 8);
  b.writeUInt32LE(1, 18);
  return b;
})();

function nvarcharParam(name: string, value: string | null): Buffer {
  const head = Buffer.concat([Buffer.from([name.length]), ucs2(name), Buffer.from([0, 0xe7]), Buffer.from([0x40, 0x1f]), Buffer.alloc(5)]);
  const len = Buffer.alloc(2);
  len.writeUInt16LE(value === null ? 0xffff : value.length * 2);
  return Buffer.concat([head, len, value === null ? Buffer.alloc(0) : ucs2(value)]);
}

function intParam(name: string, value: number): Buffer {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value);
  return Buffer.concat([Buffer.from([name.length]), ucs2(name), Buffer.from([0, 0x26, 4, 4]), v]);
}

function rpc(statement: string, params: Buffer[]): Buffer {
  const proc = Buffer.alloc(6);
  proc.writeUInt16LE(0xffff, 0);
  proc.writeUInt16LE(10, 2);
  return Buffer.concat([ALL_HEADERS, proc, nvarcharParam('@statement', statement), nvarcharParam('@params', '@db nvarchar(10), @n int'), ...params]);
}

class RawClient {
  readonly socket: net.Socket;
  readonly reader = new MessageReader();
  readonly inbox: Buffer[] = [];
  #waiters: Array<() => void> = [];
  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      for (const m of this.reader.push(chunk)) this.inbox.push(m.payload);
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  send(type: number, payload: Buffer): void {
    this.socket.write(packets(type, payload, true));
  }
  async next(): Promise<Buffer> {
    while (this.inbox.length === 0) await new Promise<void>((r) => this.#waiters.push(r));
    return this.inbox.shift()!;
  }
  close(): void {
    this.socket.destroy();
  }
}

let sim: TdsSimulator;
beforeAll(async () => {
  sim = await TdsSimulator.start({ users: { sa: 'pw-1234' } });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function loggedIn(): Promise<RawClient> {
  const c = new RawClient(sim.port);
  c.send(PacketType.PRELOGIN, Buffer.from([0xff]));
  await c.next();
  c.send(PacketType.LOGIN7, login7('sa', 'pw-1234', 'app'));
  const reply = await c.next();
  expect(reply.includes(0xad)).toBe(true);
  return c;
}

describe('TdsSimulator (raw client)', () => {
  it('answers PRELOGIN with ENCRYPTION=NOT_SUP', async () => {
    const c = new RawClient(sim.port);
    c.send(PacketType.PRELOGIN, Buffer.from([0xff]));
    const reply = await c.next();
    // option table: the ENCRYPTION option (token 1) points at one byte 0x02
    const at = reply.indexOf(0x01);
    const offset = reply.readUInt16BE(at + 1);
    expect(reply[offset]).toBe(0x02);
    c.close();
  });

  it('records logins without passwords, and refuses a wrong password with 18456', async () => {
    const ok = await loggedIn();
    ok.close();
    const bad = new RawClient(sim.port);
    bad.send(PacketType.PRELOGIN, Buffer.from([0xff]));
    await bad.next();
    bad.send(PacketType.LOGIN7, login7('sa', 'nope', 'app'));
    const reply = await bad.next();
    expect(reply[0]).toBe(0xaa);
    expect(reply.readInt32LE(3)).toBe(18456);
    expect(sim.logins).toEqual([
      { user: 'sa', database: 'app', appName: 'raw-client', accepted: true },
      { user: 'sa', database: 'app', appName: 'raw-client', accepted: false },
    ]);
    expect(JSON.stringify(sim.logins)).not.toContain('pw-1234');
    bad.close();
  });

  it('decodes sp_executesql RPCs, records the statement and parameters, and answers rows', async () => {
    sim.on('@db', { columns: ['name', { name: 'n', type: 'int' }], rows: [['app', 7]] });
    const c = await loggedIn();
    c.send(PacketType.RPC, rpc('select @db as name, @n as n', [nvarcharParam('@db', "it's"), intParam('@n', -5)]));
    const reply = await c.next();
    expect(reply[0]).toBe(0x81);
    expect(reply.includes(0xd1)).toBe(true);
    expect(reply.subarray(-13)[0]).toBe(0xfe);
    expect(sim.queries()).toEqual([{ kind: 'rpc', sql: 'select @db as name, @n as n', params: { db: "it's", n: -5 }, declaration: '@db nvarchar(10), @n int', connection: expect.any(Number), user: 'sa' }]);
    c.close();
  });

  it('answers an unscripted request with an error naming it, and a batch with DONE', async () => {
    sim.on('select 1', { rowCount: 0 });
    const c = await loggedIn();
    c.send(PacketType.SQL_BATCH, Buffer.concat([ALL_HEADERS, ucs2('select 1')]));
    expect((await c.next())[0]).toBe(0xfd);
    c.send(PacketType.SQL_BATCH, Buffer.concat([ALL_HEADERS, ucs2('select 2')]));
    const reply = await c.next();
    expect(reply[0]).toBe(0xaa);
    // ERROR: token, length(2), number(4), state, class, then US_VARCHAR text at offset 9
    const chars = reply.readUInt16LE(9);
    expect(reply.toString('utf16le', 11, 11 + chars * 2)).toBe('gds-tds-sim: no scripted reply for: select 2');
    c.close();
  });

  it('an ATTENTION ends a hanging reply and is acknowledged with DONE(ATTN)', async () => {
    sim.on('hang', { hang: true });
    const c = await loggedIn();
    c.send(PacketType.SQL_BATCH, Buffer.concat([ALL_HEADERS, ucs2('hang')]));
    await new Promise((r) => setTimeout(r, 20));
    c.send(PacketType.ATTENTION, Buffer.alloc(0));
    const ended = await c.next();
    const ack = await c.next();
    expect(ended[0]).toBe(0xfd);
    expect(ack[0]).toBe(0xfd);
    expect(ack.readUInt16LE(1) & 0x20).toBe(0x20);
    expect(sim.attentions).toBe(1);
    c.close();
  });

  it('streams messages in packets without EOM before the final one', async () => {
    sim.on('slow', { messages: ['10 percent processed.', '100 percent processed.'], messageDelayMs: 10 });
    const c = await loggedIn();
    const chunks: Buffer[] = [];
    c.socket.on('data', (d: Buffer) => chunks.push(d));
    c.send(PacketType.SQL_BATCH, Buffer.concat([ALL_HEADERS, ucs2('slow')]));
    const reply = await c.next();
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks[0]![1]).toBe(0); // the first packet does not end the message
    expect(reply.includes(Buffer.from('100 percent processed.', 'utf16le'))).toBe(true);
    c.close();
  });

  it('a drop reply closes the socket', async () => {
    sim.on('boom', { drop: true });
    const c = await loggedIn();
    const closed = new Promise((r) => c.socket.once('close', r));
    c.send(PacketType.SQL_BATCH, Buffer.concat([ALL_HEADERS, ucs2('boom')]));
    await closed;
    expect(sim.queries().map((q) => q.sql)).toEqual(['boom']);
  });
});

describe('TDS pieces', () => {
  it('MessageReader joins packets until EOM, across chunk boundaries', () => {
    const reader = new MessageReader();
    const payload = Buffer.alloc(9000, 7);
    const wire = packets(PacketType.SQL_BATCH, payload, true);
    expect(reader.push(wire.subarray(0, 5000))).toEqual([]);
    const [m] = reader.push(wire.subarray(5000));
    expect(m?.type).toBe(PacketType.SQL_BATCH);
    expect(m?.payload.equals(payload)).toBe(true);
  });

  it('decodeLogin7 reverses the password obfuscation', () => {
    expect(decodeLogin7(login7('u', 'Pässwörd', 'db'))).toMatchObject({ user: 'u', password: 'Pässwörd', database: 'db' });
  });

  it('decodeRpc reads procedure id and NULL parameters', () => {
    const call = decodeRpc(rpc('x', [nvarcharParam('@db', null)]));
    expect(call.procId).toBe(10);
    expect(call.params.map((p) => [p.name, p.value])).toEqual([['@statement', 'x'], ['@params', '@db nvarchar(10), @n int'], ['@db', null]]);
  });

  it('infers column types and encodes values', () => {
    expect([1, 2 ** 40, 1.5, 'x', true, new Date(0), Buffer.from('a'), null, 5n].map(inferType)).toEqual(['int', 'bigint', 'float', 'nvarchar', 'bit', 'datetime2', 'varbinary', 'nvarchar', 'bigint']);
    const [dec] = resolveColumns([{ name: 'd', type: 'decimal', scale: 2 }], [['-12.5']]);
    const b = encodeValue(dec!, '-12.5');
    expect(b[0]).toBe(17);
    expect(b[1]).toBe(0); // negative
    expect(b.readBigUInt64LE(2)).toBe(1250n);
    const [long] = resolveColumns(['s'], [['x'.repeat(5000)]]);
    expect(long?.max).toBe(true);
    expect(() => encodeValue({ name: 'n', type: 'int', precision: 38, scale: 0, max: false }, 'abc')).toThrow(/integer/);
  });

  it('sends several ERROR tokens for one request, then one DONE with the error bit (BACKUP: 3201, then 3013)', async () => {
    sim.on('BACKUP', { errors: [{ number: 3201, message: "Cannot open backup device 'x'." }, { number: 3013, message: 'BACKUP DATABASE is terminating abnormally.' }] });
    const c = await loggedIn();
    c.send(PacketType.SQL_BATCH, Buffer.concat([ALL_HEADERS, ucs2('BACKUP DATABASE [app] TO DISK = N\'x\'')]));
    const reply = await c.next();
    expect(reply[0]).toBe(0xaa);
    expect(reply.readInt32LE(3)).toBe(3201);
    const second = 3 + reply.readUInt16LE(1);
    expect(reply[second]).toBe(0xaa);
    expect(reply.readInt32LE(second + 3)).toBe(3013);
    const done = reply.subarray(-13);
    expect(done[0]).toBe(0xfd);
    expect(done.readUInt16LE(1) & 0x02).toBe(0x02);
    c.close();
  });

  it('sends the SQL collation (ENVCHANGE 7) at login, as SQL Server does (clients need it to send varchar)', async () => {
    const c = new RawClient(sim.port);
    c.send(PacketType.PRELOGIN, Buffer.from([0xff]));
    await c.next();
    c.send(PacketType.LOGIN7, login7('sa', 'pw-1234', 'app'));
    const reply = await c.next();
    expect(reply.includes(Buffer.from([0xe3, 0x08, 0x00, 0x07, 0x05, 0x09, 0x04, 0xd0, 0x00, 0x34, 0x00]))).toBe(true);
    c.close();
  });

  it('datetime is the server\'s local wall clock at its UTC offset; datetimeoffset carries the instant and the offset', () => {
    const instant = new Date('2024-07-01T12:00:00.000Z');
    const [dt] = resolveColumns([{ name: 'd', type: 'datetime' }], [[instant]]);
    // datetime: days since 1900-01-01 and 1/300 s of the day, at local time 14:00 for UTC+02:00
    const local = encodeValue(dt!, instant, 120);
    expect(local.readUInt32LE(5)).toBe(14 * 3600 * 300);
    expect(encodeValue(dt!, instant, 0).readUInt32LE(5)).toBe(12 * 3600 * 300);
    const [dto] = resolveColumns([{ name: 'o', type: 'datetimeoffset' }], [[instant]]);
    const b = encodeValue(dto!, instant, -300);
    expect(b[0]).toBe(10);
    expect(b.readInt16LE(9)).toBe(-300);
    expect(Number(BigInt(b.readUIntLE(1, 5)) / 10_000_000n)).toBe(12 * 3600); // the time part is UTC
  });

  it('answers what the server knows about itself: version, edition, EngineEdition (8 = Managed Instance), UTC offset', async () => {
    const mi = await TdsSimulator.start({ version: [16, 0, 5000], engineEdition: 8, edition: 'SQL Azure', utcOffsetMinutes: 60 });
    try {
      const c = new RawClient(mi.port);
      c.send(PacketType.PRELOGIN, Buffer.from([0xff]));
      await c.next();
      c.send(PacketType.LOGIN7, login7('sa', 'x', 'master'));
      await c.next();
      c.send(PacketType.SQL_BATCH, Buffer.concat([ALL_HEADERS, ucs2("select cast(SERVERPROPERTY('EngineEdition') as int) as engine_edition, DATEPART(TZOFFSET, SYSDATETIMEOFFSET()) AS utc_offset")]));
      const reply = await c.next();
      expect(reply[0]).toBe(0x81);
      expect(reply.includes(ucs2('engine_edition'))).toBe(true);
      expect(reply.includes(ucs2('utc_offset'))).toBe(true);
      // two INTN values in the ROW token: 8 and 60
      const row = reply.indexOf(0xd1);
      expect([reply[row + 1], reply.readInt32LE(row + 2), reply[row + 6], reply.readInt32LE(row + 7)]).toEqual([4, 8, 4, 60]);
      c.close();
    } finally {
      await mi.close();
    }
  });
});

describe('TdsCatalog (documented answers on server state)', () => {
  const req = (sql: string, params: Record<string, string | number> = {}, kind: 'rpc' | 'batch' = 'rpc') => ({ kind, sql, params, connection: 1, user: 'sa' });
  const numbers = (r: { error?: { number: number }; errors?: ReadonlyArray<{ number: number }> } | undefined) => [...(r?.errors ?? []), ...(r?.error ? [r.error] : [])].map((e) => e.number);

  it('ALTER ... WITH NO_WAIT with other sessions: 5070 then 5069; ROLLBACK IMMEDIATE ends them; SINGLE_USER on an OFFLINE database: 5052', () => {
    const c = new TdsCatalog();
    c.addDatabase('a]b', { sessions: 2 });
    expect(numbers(c.answer(req('ALTER DATABASE [a]]b] SET OFFLINE WITH NO_WAIT')))).toEqual([5070, 5069]);
    expect(c.databases.get('a]b')?.state).toBe('ONLINE');
    expect(numbers(c.answer(req('ALTER DATABASE [a]]b] SET OFFLINE WITH ROLLBACK IMMEDIATE')))).toEqual([]);
    expect(c.databases.get('a]b')).toMatchObject({ state: 'OFFLINE', sessions: 0 });
    expect(numbers(c.answer(req('ALTER DATABASE [a]]b] SET SINGLE_USER WITH ROLLBACK IMMEDIATE')))).toEqual([5052, 5069]);
  });

  it('RESTORE: a missing file 3201 + 3013, a damaged one 3241 + 3013, a log set with RESTORE DATABASE 3135 + 3013, exclusive access 3101', () => {
    const c = new TdsCatalog();
    c.files.set('/b/bad.bak', { damaged: true });
    c.files.set('/b/1.trn', { sets: [{ type: 2, database: 'app', data: 'x', started: new Date(0) }] });
    c.files.set('/b/app.bak', { sets: [{ type: 1, database: 'app', data: 'x', started: new Date(0) }] });
    expect(numbers(c.answer(req('RESTORE HEADERONLY FROM DISK = @path', { path: '/b/none.bak' })))).toEqual([3201, 3013]);
    expect(numbers(c.answer(req('RESTORE VERIFYONLY FROM DISK = @path WITH FILE = @file', { path: '/b/bad.bak', file: 1 })))).toEqual([3241, 3013]);
    expect(numbers(c.answer(req('RESTORE DATABASE @db FROM DISK = @path WITH FILE = @file, RECOVERY', { db: 'app', path: '/b/1.trn', file: 1 })))).toEqual([3135, 3013]);
    expect(c.answer(req('RESTORE HEADERONLY FROM DISK = @path', { path: '/b/1.trn' }))?.rows).toEqual([[2, 1, 'app', new Date(0)]]);
    c.addDatabase('app', { sessions: 1 });
    expect(numbers(c.answer(req('RESTORE DATABASE @db FROM DISK = @path WITH FILE = @file, REPLACE, RECOVERY', { db: 'app', path: '/b/app.bak', file: 1 })))).toEqual([3101, 3013]);
    expect(numbers(c.answer(req('DROP DATABASE [app]', {}, 'batch')))).toEqual([3702]);
    expect(c.answer(req('SELECT 1'))).toBeUndefined();
  });

  it('a USE batch moves the session (ENVCHANGE 1), inside sp_executesql it does not last', async () => {
    const c = await loggedIn();
    c.send(PacketType.SQL_BATCH, Buffer.concat([ALL_HEADERS, ucs2('USE master')]));
    const reply = await c.next();
    expect(reply[0]).toBe(0xe3);
    expect(sim.databaseOf(sim.requests.at(-1)!.connection)).toBe('master');
    c.close();
  });
});


import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { BSON } from 'mongodb';
import { BsonFramingError, escapeCollectionName, fileStem, metadataJson, parseMetadata, readBsonDocuments, unescapeCollectionName } from './mongodb-dump-layout.js';
import { creationOptions, renameCollection } from './mongodb-restore.js';

async function collect(chunks: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const d of readBsonDocuments(Readable.from(chunks))) out.push(Buffer.from(d));
  return out;
}

describe('mongodump file names', () => {
  it.each([
    ['orders', 'orders'],
    ['a b', 'a+b'],
    ['a/b', 'a%2Fb'],
    ['x!*()\'', 'x%21%2A%28%29%27'],
    ['é', '%C3%A9'],
    ['a.b-c_d~e', 'a.b-c_d~e'],
  ])('escapes %j as Go url.QueryEscape does: %s', (name, escaped) => {
    expect(escapeCollectionName(name)).toBe(escaped);
    expect(unescapeCollectionName(escaped)).toBe(name);
  });

  it('cuts long names and appends a SHA-1, as mongodump', () => {
    const stem = fileStem('x'.repeat(300));
    expect(stem).toHaveLength(208 + 3 + 27);
    expect(stem.slice(208, 211)).toBe('%24');
  });
});

describe('metadata files', () => {
  it('writes mongodump\'s canonical Extended JSON, fields in its order', () => {
    const text = metadataJson({ name: 'c', type: 'collection', options: { capped: true, size: new BSON.Int32(10) }, uuid: 'ab'.repeat(16), indexes: [{ v: new BSON.Int32(2), key: { _id: new BSON.Int32(1) }, name: '_id_' }] });
    expect(text).toBe('{"options":{"capped":true,"size":{"$numberInt":"10"}},"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"}],"uuid":"abababababababababababababababab","collectionName":"c","type":"collection"}');
    const back = parseMetadata(text);
    expect(back.options.size).toBeInstanceOf(BSON.Int32);
    expect(back).toMatchObject({ collectionName: 'c', type: 'collection', uuid: 'ab'.repeat(16) });
  });

  it('reads mongodump\'s time-series metadata and infers types of old files', () => {
    const ts = parseMetadata('{"options":{"timeseries":{"timeField":"ts","metaField":"meta","granularity":"seconds","bucketMaxSpanSeconds":{"$numberInt":"3600"}}},"indexes":[],"collectionName":"timeseriesColl","type":"timeseries"}');
    expect(ts.type).toBe('timeseries');
    expect(creationOptions(ts.options)).toEqual({ timeseries: { timeField: 'ts', metaField: 'meta', granularity: 'seconds' } });
    expect(parseMetadata('{"options":{"viewOn":"a","pipeline":[]},"indexes":[]}').type).toBe('view');
    expect(creationOptions({ clusteredIndex: { key: { _id: 1 }, unique: true, v: 2 } })).toEqual({ clusteredIndex: { key: { _id: 1 }, unique: true } });
  });
});

describe('BSON framing', () => {
  const a = Buffer.from(BSON.serialize({ _id: 1, s: 'x'.repeat(50) }));
  const b = Buffer.from(BSON.serialize({ _id: 2 }));

  it('reassembles documents split across chunks', async () => {
    const all = Buffer.concat([a, b]);
    const docs = await collect([all.subarray(0, 3), all.subarray(3, 40), all.subarray(40)]);
    expect(docs.map((d) => BSON.deserialize(d)._id)).toEqual([1, 2]);
  });

  it('rejects a truncated stream, a bad length and a missing NUL with the offset', async () => {
    await expect(collect([Buffer.concat([a, b.subarray(0, 5)])])).rejects.toThrow(new BsonFramingError('truncated BSON document (5 trailing bytes)', a.length));
    const badLen = Buffer.from(b);
    badLen.writeInt32LE(2, 0);
    await expect(collect([badLen])).rejects.toThrow(/invalid BSON document length 2 at byte 0/);
    const noNul = Buffer.from(b);
    noNul[noNul.length - 1] = 1;
    await expect(collect([noNul])).rejects.toThrow(/NUL/);
  });
});

describe('renames', () => {
  it('maps exact names and one-wildcard patterns', () => {
    expect(renameCollection('orders_2024', ['orders_*'], ['archive_*'])).toBe('archive_2024');
    expect(renameCollection('users', ['users'], ['people'])).toBe('people');
    expect(renameCollection('other', ['users'], ['people'])).toBe('other');
  });
});

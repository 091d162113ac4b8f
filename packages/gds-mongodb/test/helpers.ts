// Shared helpers of the MongoDB tests (simulator and real server): seeding a database through the
// driver and a comparable fingerprint of its documents.
import type { Database } from '@gds/database';
import { BSON } from 'mongodb';
import type { MongoDBConnection } from '../src/index.js';

/** Inserts two collections of documents (numbers of several BSON types, dates, nesting) into `db`. */
export async function seed(db: Database, count = 300): Promise<void> {
  const conn = db.connection as MongoDBConnection;
  const orders = Array.from({ length: count }, (_, i) => ({ _id: i, customer: `c${i % 37}`, amount: new BSON.Double(i * 1.25), qty: new BSON.Int32(i % 7), big: BSON.Long.fromNumber(i * 1e10), at: new Date(Date.UTC(2026, 0, 1 + (i % 300))) }));
  await conn.db(db.name).collection<{ _id: number | string; [key: string]: unknown }>('orders').insertMany(orders);
  await conn.db(db.name).collection('orders').createIndex({ customer: 1 }, { name: 'customer_1' });
  await conn.db(db.name).collection<{ _id: number | string; [key: string]: unknown }>('notes').insertMany([{ _id: 'a', text: 'x'.repeat(100) }, { _id: 'b', nested: { list: [1, 2, 3] } }]);
}

/** Per collection: the count and the canonical Extended JSON of every document, sorted by _id. */
export async function fingerprint(db: Database): Promise<Record<string, { count: number; docs: string }>> {
  const conn = db.connection as MongoDBConnection;
  const out: Record<string, { count: number; docs: string }> = {};
  for (const name of ['orders', 'notes']) {
    const docs = await conn.db(db.name).collection(name).find({}, { sort: { _id: 1 }, promoteValues: false }).toArray();
    out[name] = { count: docs.length, docs: BSON.EJSON.stringify(docs, { relaxed: false }) };
  }
  return out;
}

/** Names MongoDB accepts that break naive handling (quotes, semicolons, brackets, non-ASCII). */
export const MONGO_HOSTILE_NAMES = ["gds_conf_it's", 'gds_conf_semi;DROP', 'gds_conf_[bracket]]', 'gds_conf_ünï_çødé', 'gds_conf_{ne=1}'];

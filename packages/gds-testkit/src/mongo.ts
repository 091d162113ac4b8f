/**
 * `@gds/testkit/mongo`: a MongoDB wire-protocol simulator for tests that run the real `mongodb`
 * driver without a server (none can run on every machine): a standalone or a replica set of
 * several members on loopback ports, scripted replies per command, an in-memory store for
 * collections, cursors served in batches, and every received command recorded.
 *
 * ```ts
 * import { MongoSimulator } from '@gds/testkit/mongo';
 * const sim = await MongoSimulator.start({ members: 3 });
 * sim.store.putCollection('app', 'orders', [{ _id: 1 }]);
 * // ... connect to sim.url ...
 * await sim.stop();
 * ```
 *
 * @packageDocumentation
 */
export * from './mongo/index.js';

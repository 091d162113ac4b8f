// Independent peers for tests: FerretDB, the MongoDB Database Tools, fakesnow (+ its JSON adapter), sqlfluff.
export { PEER_LABELS, findPeer, peerSkipReason, peersCacheDir, type PeerName } from './cache.js';
export { startChild, type PeerChild, type StartChildOptions } from './child.js';
export { startFerretDb, type FerretDbPeer } from './ferretdb.js';
export { runMongoTool, type MongoTool, type MongoToolRun } from './mongo-tools.js';
export { arrowToJsonRowset, encodeArrowCell, type RowTypeLike } from './arrow-json.js';
export { rewriteReply, startSnowflakeAdapter, type SnowflakeAdapter } from './snowflake-adapter.js';
export { startFakesnow, type FakesnowPeer } from './fakesnow.js';
export { sqlfluffParse, type SqlfluffDialect, type SqlfluffVerdict } from './sqlfluff.js';

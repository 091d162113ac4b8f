/**
 * The MongoDB wire-protocol simulator: a loopback standalone or replica set that the official
 * driver talks to, with scripted replies and a record of every command received.
 *
 * @module
 */
export { MongoSimulator, type MongoScript, type MongoSimulatorOptions, type ReceivedCommand, type ScriptedError } from './server.js';
export { SimStore, SimCommandError, exactDocument, KNOWN_INDEX_OPTIONS, type SimCollection } from './store.js';
export { implicitDefaultWriteConcern, replicaSetCommand, type MemberState } from './replica-set.js';
export { decodeMessage, decodeReply, encodeMsg, encodeQuery, encodeReply, encodeRequest, rawCursorReply, splitFrames, OP_MSG, OP_QUERY, OP_REPLY, type WireRequest } from './wire.js';

/**
 * `@gds/testkit/tds`: a loopback TDS 7.4 simulator for testing SQL Server code through the real
 * tedious driver where no SQL Server can run. It answers from a script ("a request matching
 * this gets these columns and rows / this error / these messages") and records every request
 * with its parameters. It does not run SQL. Clients must connect with `encrypt: false`.
 *
 * ```ts
 * import { TdsSimulator } from '@gds/testkit/tds';
 * const sim = await TdsSimulator.start();
 * sim.on('sys.databases', { columns: ['name'], rows: [['master']] });
 * ```
 *
 * @packageDocumentation
 */
export { TdsSimulator, type TdsSimulatorOptions, type TdsLogin } from './tds/server.js';
export { TdsCatalog, type TdsBackupFile, type TdsBackupSet, type TdsDatabase } from './tds/catalog.js';
export { matches, type TdsInfo, type TdsMatcher, type TdsReply, type TdsRequest, type TdsResultSet, type TdsRule } from './tds/script.js';
export type { TdsColumn, TdsType, TdsValue } from './tds/values.js';
export type { ServerMessage } from './tds/tokens.js';
export type { RpcValue } from './tds/decode.js';

/**
 * `@gds/testkit/peers`: independent peers written by others, for suites next to (not instead of)
 * the simulators: FerretDB 1.24 (a MongoDB-compatible server, not MongoDB), the MongoDB Database
 * Tools, fakesnow (a Snowflake imitation, behind a small Arrow → JSON adapter) and sqlfluff.
 * `scripts/install-peers.sh` installs them into a cache outside the clone; suites skip with one
 * printed line (`peerSkipReason`) where a peer is missing.
 *
 * ```ts
 * import { peerSkipReason, startFerretDb } from '@gds/testkit/peers';
 * const reason = peerSkipReason('ferretdb');
 * (reason ? describe.skip : describe)('on FerretDB', () => { ... });
 * ```
 *
 * @packageDocumentation
 */
export * from './peers/index.js';

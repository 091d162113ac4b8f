/**
 * `@gds/testkit/snowflake`: a loopback simulator of Snowflake's REST protocol for driving the
 * real `snowflake-sdk` in tests (scripted replies with typed columns, recorded statements and
 * bindings, login checks, session expiry, heartbeat, cancel, logout), plus the documented column
 * sets of the SHOW commands gds reads, an account model for the statements gds sends (documented
 * rules: name resolution with QUOTED_IDENTIFIERS_IGNORE_CASE, clone and swap, failover suspending
 * the secondaries, the 12-hour default window of REPLICATION_GROUP_REFRESH_HISTORY, unordered
 * refresh progress), and addresses that refuse or never answer. It is a simulator: passing
 * against it says nothing about a real account.
 *
 * @packageDocumentation
 */
export * from './snowflake/server.js';
export * from './snowflake/script.js';
export * from './snowflake/rowset.js';
export * from './snowflake/show.js';
export * from './snowflake/account.js';
export * from './snowflake/replication.js';
export * from './snowflake/unreachable.js';

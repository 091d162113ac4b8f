/**
 * `@gds/testkit/snowflake`: a loopback simulator of Snowflake's REST protocol for driving the
 * real `snowflake-sdk` in tests (scripted replies with typed columns, recorded statements and
 * bindings, login checks, session expiry, heartbeat, cancel, logout), plus the documented column
 * sets of the SHOW commands gds reads. It is a simulator: it interprets no SQL, and passing
 * against it says nothing about a real account.
 *
 * @packageDocumentation
 */
export * from './snowflake/server.js';
export * from './snowflake/script.js';
export * from './snowflake/rowset.js';
export * from './snowflake/show.js';

/**
 * `@gds/testkit`: what gds's own tests (and an engine author's) need: throwaway real PostgreSQL
 * clusters, finding a real server for an engine (or saying why there is none), and the shared
 * conformance suite every engine runs.
 *
 * @packageDocumentation
 */
export * from './postgres/index.js';
export * from './resolve-test-server.js';
export * from './conformance/describe-with-server.js';
export * from './conformance/run-conformance-suite.js';
export * from './conformance/open-handles.js';

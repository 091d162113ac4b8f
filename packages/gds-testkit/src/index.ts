/**
 * `@gds/testkit`: what gds's own tests (and an engine author's) need: throwaway real PostgreSQL
 * clusters and MariaDB servers, finding a real server for an engine (or saying why there is none), the checks of an
 * engine's definition (`engineDefinitionProblems`, `issuesOfVariant`), and the shared conformance suite every engine
 * runs (from `@gds/testkit/jest`, which needs jest, with `describeEngineDefinition`).
 *
 * @packageDocumentation
 */
export * from './postgres/index.js';
export * from './mariadb/index.js';
export * from './resolve-test-server.js';
export * from './conformance/open-handles.js';
export * from './conformance/engine-definition-checks.js';

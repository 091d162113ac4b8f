/**
 * `@gds/testkit/jest`: the parts of the testkit that declare jest tests (they import
 * `@jest/globals`, so they live apart from the main entry, which any script may import).
 *
 * @packageDocumentation
 */
export * from './conformance/describe-with-server.js';
export * from './conformance/run-conformance-suite.js';
export * from './conformance/safety-cases.js';
export * from './conformance/describe-option-schemas.js';
export * from './conformance/describe-engine-definition.js';

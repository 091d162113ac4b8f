// Shared jest settings: swc turns TypeScript (ESM syntax) into CommonJS for jest; typebox is
// ESM-only so it is transformed too; workspace packages resolve to their sources.
const path = require('node:path');

module.exports = function preset(dir) {
  const name = path.basename(dir);
  return {
    displayName: name,
    rootDir: dir,
    testEnvironment: 'node',
    // a test that starts servers or loads a driver takes 3-4 s on a loaded 2-core CI machine (jest's 5 s default failed there)
    testTimeout: 30_000,
    transform: {
      '^.+\\.(m?[tj]s)x?$': [
        '@swc/jest',
        { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
      ],
    },
    transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/typebox@[^/]+/node_modules/)?typebox/)'],
    moduleNameMapper: {
      '^(\\.{1,2}/.*)\\.js$': '$1',
      '^@gds/([a-z]+)$': `${path.resolve(dir, '..')}/gds-$1/src/index.ts`,
      '^@gds/([a-z]+)/([a-z-]+)$': `${path.resolve(dir, '..')}/gds-$1/src/$2.ts`,
    },
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  };
};

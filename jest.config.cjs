// The whole suite: every package is a jest project. Coverage of the core must stay >= 90% of lines.
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.cjs'],
  coverageProvider: 'v8',
  collectCoverageFrom: ['packages/gds-database/src/**/*.ts', '!**/*.test.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageThreshold: { './packages/gds-database/src/': { lines: 90 } },
};

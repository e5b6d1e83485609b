// One jest run for the whole workspace: unit specs in parallel, cross-process
// specs (real NATS/Redis/FFmpeg, spawned apps) in their own project so the
// test script can run them with fewer workers.
const path = require('node:path');

const swc = ['@swc/jest', require('./tools/build/swc-options.cjs')({ sourceMaps: 'inline' })];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@mediaplane/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
    // Secondary entry points (`@mediaplane/observability/tracing`) are single files of the library.
    '^@mediaplane/([a-z-]+)/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/$2.ts'),
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/tmp/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.{int,e2e}-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/tools/jest/integration-setup.js'],
    },
  ],
};

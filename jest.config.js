// Tests run TypeScript sources directly (ts-jest, transpile only); `npm run typecheck` does the
// type checking. Workspace packages resolve to their src/ so no build is needed first.
/** @type {import('jest').Config} */
const packages = {
  proto: 'packages/proto',
  core: 'packages/core',
  rpc: 'packages/rpc',
  telemetry: 'packages/telemetry',
  'bootstrap-client': 'packages/bootstrap-client',
  'history-store': 'services/history-store',
  'bootstrap-gateway': 'services/bootstrap-gateway',
  'devnet-producer': 'services/devnet-producer',
  'test-support': 'test-support',
};
const moduleNameMapper = {};
for (const [name, dir] of Object.entries(packages)) {
  moduleNameMapper[`^@massa-bootstrap/${name}$`] = `<rootDir>/${dir}/src/index.ts`;
}
// Subpath entry points (package.json "exports").
moduleNameMapper['^@massa-bootstrap/rpc/settings$'] =
  '<rootDir>/packages/rpc/src/settings-entry.ts';
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '\\.reliability\\.test\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', isolatedModules: true }],
  },
  moduleNameMapper,
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};

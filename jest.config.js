/** Tests are TypeScript run through SWC (no type check here: `npm test` runs tsc first). */
const swc = [
  '@swc/jest',
  { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': swc },
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};

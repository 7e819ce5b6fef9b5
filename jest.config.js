/** Tests are TypeScript run through SWC (no type check here: `npm test` runs tsc first). */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(ts|js)$': swc },
  // cookie 2 (under light-my-request) ships ESM only; jest on Node 20 needs it compiled to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};

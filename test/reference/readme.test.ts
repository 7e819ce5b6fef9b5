import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COLLECTORS } from '../../src/collectors';
import { regenerate } from '../../src/reference/reference';

const root = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  test('generated reference blocks match the code (run `npm run docs` to fix)', () => {
    expect(regenerate(readme)).toBe(readme);
  });

  test('documents every metric of every collector', () => {
    for (const spec of COLLECTORS) for (const def of spec.metrics) expect(readme).toContain(`\`${def.name}\``);
  });

  test('gives one run command and one test command, and .ci/run calls exactly that test command', () => {
    const run = /^Run: `([^`]+)`$/m.exec(readme)?.[1];
    const testCmd = /^Test: `([^`]+)`$/m.exec(readme)?.[1];
    expect(run).toBe('npm install && npm start');
    expect(testCmd).toBeDefined();
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
    expect(ci.split('\n').filter((l) => l.trim() === testCmd)).toHaveLength(1);
  });
});

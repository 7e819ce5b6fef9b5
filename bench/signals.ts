/**
 * Why runner/deadline.ts composes signals itself: heap kept after GC by 100,000 deadline signals
 * made from one long-lived signal (the runner's cancel), AbortSignal.any vs eitherSignal, on each
 * supported Node.js (scripts/node-runtimes.sh). Writes the `signals` section of bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { machineLine, writeSection } from './lib/results';

const COUNT = 100_000;
const DEADLINE_JS = path.join(__dirname, '..', 'dist', 'runner', 'deadline.js');

/** Runs in a child with --expose-gc: makes COUNT signals that all abort, then reports the heap. */
const PROGRAM = `
const { eitherSignal } = require(${JSON.stringify(DEADLINE_JS)});
const cancel = new AbortController();
const make = process.argv[1] === 'any'
  ? () => AbortSignal.any([cancel.signal, AbortSignal.timeout(1)])
  : () => eitherSignal(cancel.signal, AbortSignal.timeout(1));
const batch = async () => {
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < ${COUNT / 5}; i++) make();
    await new Promise((r) => setTimeout(r, 100));
  }
  global.gc();
  return process.memoryUsage().heapUsed;
};
(async () => {
  global.gc();
  const before = process.memoryUsage().heapUsed;
  const first = await batch();
  const second = await batch();
  process.stdout.write(JSON.stringify([first - before, second - first]));
})();`;

function main(): void {
  const runtimes = execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'node-runtimes.sh')], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  const rows = runtimes.map((node) => {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const kept = (how: string) =>
      (JSON.parse(execFileSync(node, ['--expose-gc', '-e', PROGRAM, how], { encoding: 'utf8' })) as number[])
        .map((bytes) => (bytes / 2 ** 20).toFixed(1))
        .join(' / ');
    return `| ${version} | ${kept('any')} | ${kept('either')} |`;
  });
  const text = [
    '## Deadline signals: AbortSignal.any vs eitherSignal',
    '',
    `Written by \`bench/signals.ts\`. ${machineLine()} Heap growth after GC over a first and a second`,
    `${COUNT.toLocaleString('en-US')} signals, each composed of the one long-lived signal and a 1 ms timeout, all aborted`,
    '(a collector makes one or more per scrape: 8 collectors at a 10 s interval make ~70,000 a day). A leak grows in',
    'both batches; a one-off cost (compiled code, pools) only in the first.',
    '',
    '| Node.js | AbortSignal.any: first / second batch (MiB) | eitherSignal: first / second batch (MiB) |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  writeSection('signals', text);
  process.stdout.write(text);
}

main();

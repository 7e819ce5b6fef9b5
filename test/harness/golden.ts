import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Golden expositions (node_exporter's collector/fixtures/e2e-output.txt style): one committed file
 * per collector, so a review shows every metric, label or help change as a diff.
 * `UPDATE_GOLDEN=1 npx jest test/collectors/golden.test.ts` rewrites them.
 */
export const GOLDEN_DIR = path.resolve(__dirname, '../fixtures/golden');

/** Stands for every sample value: values vary by machine and moment; names, labels, help and types must not. */
export const VALUE = 'NaN';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? \S+( \S+)?$/;

/** The series a sample belongs to, `le` left out, so a histogram's buckets stay together and in order. */
function seriesKey(line: string): string {
  const m = SAMPLE.exec(line);
  if (!m) return line;
  const base = m[1].replace(/_(bucket|sum|count)$/, '');
  const labels = (m[2] ?? '').replace(/,?le="[^"]*"/, '');
  return `${base}${labels}`;
}

/**
 * Normalises exposition text: every sample value becomes VALUE, families are ordered by name and
 * their samples by series (collectors that read in parallel write in completion order), and each
 * `[pattern, replacement]` rewrites label values that vary (ports, temp folders, versions).
 */
export function normaliseExposition(text: string, replace: readonly (readonly [RegExp, string])[] = []): string {
  for (const [pattern, replacement] of replace) text = text.replace(pattern, replacement);
  const families: { name: string; head: string[]; samples: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = /^# HELP (\S+)/.exec(line);
    if (help || families.length === 0) families.push({ name: help?.[1] ?? '', head: [], samples: [] });
    const family = families[families.length - 1];
    if (line.startsWith('#')) family.head.push(line);
    else {
      const m = SAMPLE.exec(line);
      family.samples.push(m ? `${m[1]}${m[2] ?? ''} ${VALUE}` : line);
    }
  }
  const byKey =
    <T>(key: (t: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  families.sort(byKey((f) => f.name)); // stable: equal keys keep their order (a histogram's buckets)
  const lines = families.flatMap((f) => [...f.head, ...[...f.samples].sort(byKey(seriesKey))]);
  return lines.join('\n') + '\n';
}

/** The committed golden text for `name`, rewritten first when UPDATE_GOLDEN=1. */
export function golden(name: string, actual: string): string {
  const file = path.join(GOLDEN_DIR, `${name}.prom`);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  if (!existsSync(file)) throw new Error(`${file} is missing: run the test with UPDATE_GOLDEN=1 and commit it`);
  return readFileSync(file, 'utf8');
}

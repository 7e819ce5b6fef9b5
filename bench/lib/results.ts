import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineNotes } from './stats';

/**
 * bench/RESULTS.md holds one section per benchmark file, between `<!-- bench:NAME -->` markers,
 * so each file can run alone (`npm run bench -- bench/x.ts`) and replace only its own section.
 */
export const RESULTS_FILE = path.join(__dirname, '..', 'RESULTS.md');

/** Section order in the file; a section not listed goes at the end. */
const ORDER = ['summary', 'full-scrape', 'peers', 'soak', 'cpu', 'cpu-semi-space', 'frozen', 'memory'];

const HEADER = `# Benchmarks: full stack, peers, soak, CPU, frozen dependency

Figures for issue 7, written by the benchmark files under bench/ (\`npm run bench\` runs them all; \`npm run bench -- bench/NAME.ts\` one).
Each section names its machine, versions, date and the load average (\`uptime\`) before and after its run: the machine has 2 cores
shared with other engineers' work, so absolute times vary between runs by tens of percent; interleaved comparisons are the fairer figures.
`;

const begin = (name: string) => `<!-- bench:${name} -->`;
const end = (name: string) => `<!-- /bench:${name} -->`;

/** Replaces (or adds) the section `name` of bench/RESULTS.md with `markdown`. */
export function writeSection(name: string, markdown: string): void {
  const current = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : HEADER;
  const sections = new Map<string, string>();
  const re = /<!-- bench:([\w-]+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g;
  for (const m of current.matchAll(re)) sections.set(m[1], m[2]);
  sections.set(name, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  const head = current.split('<!-- bench:')[0].trimEnd();
  const names = [...sections.keys()].sort((a, b) => rank(a) - rank(b));
  const body = names.map((n) => `${begin(n)}\n${sections.get(n)}${end(n)}`).join('\n\n');
  writeFileSync(RESULTS_FILE, `${head}\n\n${body}\n`);
}

function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}

/** `uptime` as printed (load averages over 1, 5 and 15 minutes). */
export function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/\s+/g, ' ');
  } catch {
    return `load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ')}`;
  }
}

/** The commit measured (read when the benchmark starts), marked when the tree has uncommitted changes to src/. */
const REVISION = (() => {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return `${rev}${dirty ? ' plus uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
})();

/** The machine line every section starts with. */
export function machineLine(versions: Record<string, string> = {}): string {
  const extra = Object.entries(versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `Machine: ${machineNotes()}${extra ? `; ${extra}` : ''}. Exporter at commit ${REVISION}.`;
}

/** Tracks the load before and after a run, for the section's notes. */
export function loadWatch(): { before: string; after(): string } {
  const before = uptime();
  return { before, after: () => uptime() };
}

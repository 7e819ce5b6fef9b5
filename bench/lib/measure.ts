import { sleep } from '../../test/harness/process';
import { rssMb } from './stats';

/** Something scraped: an exporter process (ours or a peer). */
export interface Target {
  readonly name: string;
  readonly pid: number;
  scrape(): Promise<unknown>;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * `n` rounds of one scrape of each target in turn (after `warmup` rounds), so load from other
 * processes on the shared machine hits every target alike. Returns the times (ms) per target.
 */
export async function interleaved(targets: readonly Target[], n: number, warmup = 5): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let i = 0; i < warmup; i++) for (const t of targets) await t.scrape();
  for (let i = 0; i < n; i++) for (const t of targets) times.get(t.name)!.push(await timed(() => t.scrape()));
  return times;
}

export interface PacedRss {
  /** RSS just before each scrape (after the idle interval), MB. */
  readonly floor: number[];
  /** RSS just after each scrape, MB. */
  readonly peak: number[];
  readonly times: number[];
}

/**
 * Prometheus' pace: every target scraped once every `intervalMs`, `count` times, with RSS read
 * just before and just after each scrape. Back-to-back scrapes never let V8 shrink its heap; at
 * a real interval it does, so both figures matter.
 */
export async function pacedRss(
  targets: readonly Target[],
  intervalMs: number,
  count: number,
): Promise<Map<string, PacedRss>> {
  const out = new Map<string, PacedRss>(targets.map((t) => [t.name, { floor: [], peak: [], times: [] }]));
  for (let i = 0; i < count; i++) {
    const started = Date.now();
    for (const t of targets) {
      const r = out.get(t.name)!;
      r.floor.push(rssMb(t.pid));
      r.times.push(await timed(() => t.scrape()));
      r.peak.push(rssMb(t.pid));
    }
    if (i < count - 1) await sleep(Math.max(0, intervalMs - (Date.now() - started)));
  }
  return out;
}

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

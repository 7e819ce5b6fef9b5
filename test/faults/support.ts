import { startExporter, type ExporterProcess } from '../harness/exporter';
import { sleep } from '../harness/process';

/**
 * The fault matrix drives the built exporter (dist/cli.js) as Prometheus would: /metrics with
 * `X-Prometheus-Scrape-Timeout-Seconds`, answers parsed into samples. Every case follows the
 * same script (`faultCase`): a healthy scrape as the baseline, the fault, scrapes during it, the
 * fault's end, and the first scrape after it.
 */

/** Prometheus' timeout for the scrape whose answer time is checked: the answer must arrive before it. */
export const CONTRACT_TIMEOUT_S = 3;
/** Shorter timeout for the repeated scrapes during a fault, to keep the suite quick. */
export const REPEAT_TIMEOUT_S = 1;
/** Handles that may come and go between two scrapes (a connection opening, a keep-alive socket). */
export const HANDLE_SLACK = 4;

export interface Scrape {
  readonly ms: number;
  readonly status: number;
  readonly text: string;
  /** `name{labels}` as printed -> value. */
  readonly samples: ReadonlyMap<string, number>;
}

/** Samples of a text-format exposition, keyed by the series as printed (`name{a="b"}`). */
export function parseSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const raw = line.slice(space + 1);
    out.set(line.slice(0, space), raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw));
  }
  return out;
}

/** The exporter's active handles (prom-client's nodejs_active_handles, summed over `type`). */
export function activeHandles(s: Scrape): number {
  let sum = 0;
  for (const [series, value] of s.samples) if (series.startsWith('nodejs_active_handles{')) sum += value;
  return sum;
}

export const success = (s: Scrape, collector: string): number | undefined =>
  s.samples.get(`jobstack_exporter_collector_success{collector="${collector}"}`);

export class FaultExporter {
  constructor(readonly process: ExporterProcess) {}

  static async start(
    env: NodeJS.ProcessEnv,
    args: readonly string[] = [],
    spawn: { uid?: number; gid?: number } = {},
  ): Promise<FaultExporter> {
    return new FaultExporter(await startExporter(args, env, 'http', spawn));
  }

  /** One /metrics request as Prometheus sends it, timed from request to the last byte. */
  async scrape(timeoutSeconds = CONTRACT_TIMEOUT_S): Promise<Scrape> {
    const started = performance.now();
    const res = await fetch(`${this.process.url}/metrics`, {
      headers: { 'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutSeconds) },
      signal: AbortSignal.timeout(timeoutSeconds * 1000 + 10_000),
    });
    const text = await res.text();
    return { ms: performance.now() - started, status: res.status, text, samples: parseSamples(text) };
  }

  /** The exporter is still running and never logged an unhandled rejection. */
  expectAlive(): void {
    const log = this.process.child.log();
    if (!this.process.child.running) throw new Error(`exporter exited:\n${log}`);
    expect(log).not.toContain('unhandled rejection');
    expect(log).not.toMatch(/^fatal: /m);
  }

  log(): string {
    return this.process.child.log();
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

export interface FaultCase {
  /** What the scrape shows while the dependency is healthy (also the check after recovery). */
  readonly healthy: (s: Scrape) => void;
  /** What it shows during the fault. */
  readonly faulty: (s: Scrape) => void;
  readonly begin: () => Promise<void> | void;
  readonly end: () => Promise<void> | void;
  /** Faulty scrapes after the first (default 5): a leak of one handle per scrape exceeds the slack. */
  readonly repeats?: number;
  /**
   * Pause before each repeated scrape. At least the Redis reconnect gate makes every scrape try
   * a new connection (instead of failing fast on the gate), which is where a leak would show.
   */
  readonly gapMs?: number;
  /**
   * Waited after the fault ends before the recovery scrape: the Redis client allows one
   * connection attempt per second after a failed one, so the first scrape at least a second
   * after the last failure (any real scrape interval) is the one that must recover.
   */
  readonly settleMs?: number;
  /** Scrape timeout of the repeated scrapes (default REPEAT_TIMEOUT_S, 1 s: many scrapes quickly). */
  readonly repeatTimeoutS?: number;
}

export interface FaultReport {
  readonly baseline: Scrape;
  readonly during: readonly Scrape[];
  readonly recovered: Scrape;
}

/**
 * Baseline scrape, fault, one scrape with a 3 s timeout (its answer must arrive before 3 s)
 * then `repeats` quicker ones, fault ends, the first scrape after it must be healthy. Handles
 * after the faulty scrapes and after recovery stay within HANDLE_SLACK of the baseline; the
 * exporter stays up and logs no unhandled rejection.
 */
export async function faultCase(exporter: FaultExporter, c: FaultCase): Promise<FaultReport> {
  const baseline = await exporter.scrape();
  expect(baseline.status).toBe(200);
  c.healthy(baseline);
  const handles = activeHandles(baseline);
  expect(handles).toBeGreaterThan(0);

  await c.begin();
  const during: Scrape[] = [];
  try {
    const first = await exporter.scrape(CONTRACT_TIMEOUT_S);
    during.push(first);
    expect(first.status).toBe(200);
    // The deadline contract: Prometheus gives up at its timeout, so the answer must come before it.
    expect(first.ms).toBeLessThan(CONTRACT_TIMEOUT_S * 1000);
    c.faulty(first);
    for (let i = 0; i < (c.repeats ?? 5); i++) {
      await sleep(c.gapMs ?? 0);
      const timeoutS = c.repeatTimeoutS ?? REPEAT_TIMEOUT_S;
      const s = await exporter.scrape(timeoutS);
      during.push(s);
      expect(s.status).toBe(200);
      expect(s.ms).toBeLessThan(timeoutS * 1000);
      c.faulty(s);
    }
    expect(activeHandles(during[during.length - 1])).toBeLessThanOrEqual(handles + HANDLE_SLACK);
  } catch (err) {
    // End the fault for the next case, but report what failed here, not a follow-up error.
    await Promise.resolve()
      .then(c.end)
      .catch(() => undefined);
    // What the exporter said meanwhile: a fault that only shows under load is diagnosed from this.
    if (err instanceof Error)
      err.message += `\n\nexporter log, last lines:\n${exporter.log().split('\n').slice(-15).join('\n')}`;
    throw err;
  }
  await c.end();
  await sleep(c.settleMs ?? 0);
  const recovered = await exporter.scrape();
  // FAULT_DEBUG=1 prints each case's handle counts and answer times.
  if (process.env.FAULT_DEBUG)
    console.log({
      baseline: handles,
      during: during.map(activeHandles),
      recovered: activeHandles(recovered),
      ms: during.map((s) => Math.round(s.ms)),
    });
  expect(recovered.status).toBe(200);
  c.healthy(recovered);
  expect(activeHandles(recovered)).toBeLessThanOrEqual(handles + HANDLE_SLACK);
  exporter.expectAlive();
  return { baseline, during, recovered };
}

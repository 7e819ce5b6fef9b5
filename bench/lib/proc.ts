import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** A sample's value from exposition text (first series of that name). */
export function sampleValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Collector durations (s) of one scrape, from jobstack_exporter_collector_duration_seconds. */
export function collectorDurations(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^jobstack_exporter_collector_duration_seconds\{collector="([^"]+)"\} (\S+)/gm))
    out.set(m[1], Number(m[2]));
  return out;
}

/** Collectors that did not succeed in this scrape. */
export function failedCollectors(text: string): string[] {
  return [...text.matchAll(/^jobstack_exporter_collector_success\{collector="([^"]+)"\} 0$/gm)].map((m) => m[1]);
}

export const samplesIn = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).length;

/** Least squares fit y = a + b x; `slopeStdError` is the standard error of b. */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
): { slope: number; intercept: number; slopeStdError: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const residual = ys.reduce((acc, y, i) => acc + (y - intercept - slope * xs[i]) ** 2, 0);
  const slopeStdError = n > 2 ? Math.sqrt(residual / (n - 2) / sxx) : NaN;
  return { slope, intercept, slopeStdError, r2: syy ? 1 - residual / syy : 1 };
}

export const mb = (bytes: number) => bytes / 1024 / 1024;

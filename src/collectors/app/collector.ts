import type { Collector, CollectContext } from '../types';
import type { AppReading, AppReadingsSource } from '../sources';
import type { AppConfig } from './config';
import { SNAPSHOT_LIMITS, type AppSnapshot } from '../../instrument/snapshot';
import { redact, registerSecret } from '../../log/redact';
import { appMetrics as m } from './metrics';
import { fetchSnapshot } from './fetch';
import { parseSnapshot, recentFigures } from './snapshot';

/**
 * Reads each instrumented application's JSON snapshot, all targets at once, each under its
 * timeout and the scrape deadline. A target that fails is `app_up{target} 0` and nothing else:
 * the collector itself succeeds, so no other target or collector is affected.
 */
export class AppCollector implements Collector, AppReadingsSource {
  readonly name = 'app';
  private readonly targets: readonly { name: string; url: URL; timeoutMs?: number }[];
  private readings: readonly AppReading[] = [];

  constructor(private readonly config: AppConfig) {
    this.targets = config.targets.map((t) => {
      const url = new URL(t.url);
      // Basic-auth credentials in the URL are sent, never shown.
      registerSecret(url.password);
      registerSecret(decodeURIComponent(url.password));
      return { name: t.name, url, timeoutMs: t.timeout };
    });
  }

  appReadings(): readonly AppReading[] {
    return this.readings;
  }

  async collect({ out, signal, log }: CollectContext): Promise<void> {
    const readings = await Promise.all(
      this.targets.map(async (t): Promise<AppReading> => {
        const started = performance.now();
        // The scrape's signal cuts it at the deadline; the target's own timeout may be shorter.
        const timeoutMs = t.timeoutMs ?? this.config.timeout;
        const fetched = await fetchSnapshot({ url: t.url, timeoutMs, maxBytes: SNAPSHOT_LIMITS.bytes }, signal);
        const checked = 'body' in fetched ? parseSnapshot(fetched.body) : { problem: fetched.error };
        const labels = { target: t.name };
        out.set(m.fetchDuration, (performance.now() - started) / 1000, labels);
        const readAt = Date.now();
        if ('problem' in checked) {
          out.set(m.up, 0, labels);
          const error = redact(checked.problem);
          log.debug('app snapshot unreadable', { target: t.name, error });
          return { target: t.name, snapshot: null, error, readAt };
        }
        setFigures(out, labels, checked.snapshot, readAt);
        return { target: t.name, snapshot: checked.snapshot, error: null, readAt };
      }),
    );
    this.readings = readings;
  }
}

function setFigures(out: CollectContext['out'], labels: { target: string }, s: AppSnapshot, readAt: number): void {
  out.set(m.up, 1, labels);
  out.set(m.snapshotAge, (readAt - s.generatedAt) / 1000, labels);
  out.set(m.startTime, s.startedAt / 1000, labels);
  out.set(m.info, 1, { ...labels, service: s.service });
  out.set(m.requests, s.requests.total, labels);
  out.set(m.errors, s.requests.errors, labels);
  out.set(m.activeRequests, s.requests.active, labels);
  out.set(m.wsOpen, s.websockets.open, labels);
  const recent = recentFigures(s);
  if (recent.errorRatio !== null) out.set(m.recentErrorRatio, recent.errorRatio, labels);
  if (recent.p95Seconds !== null) out.set(m.recentP95, recent.p95Seconds, labels);
}

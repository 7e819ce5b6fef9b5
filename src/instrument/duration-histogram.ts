import type { Metric, Registry } from 'prom-client';
import { instrumentMetrics as m } from './metrics';

/** One series: one method, route and status; per-bucket (not cumulative) counts, the last +Inf. */
export interface DurationSeries {
  readonly labels: {
    readonly http_request_method: string;
    readonly http_route: string;
    readonly http_response_status_code: string;
  };
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

/**
 * `http_server_request_duration_seconds`, registered in the app's prom-client registry like any of
 * its metrics, but counted in plain numbers: a request adds to three fields of its series. A cached
 * prom-client `labels(...).observe` costs about 0.5 µs a call (it hashes the label set every time),
 * as much as all the rest of the per-request work, and a hello-world Koa request is ~40 µs of CPU.
 * The registry reads it through `get()`, the interface it reads every metric by, at scrape time.
 */
export class DurationHistogram {
  readonly name = m.requestDuration.name;
  readonly help = m.requestDuration.help;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames = m.requestDuration.labels;
  private readonly series: DurationSeries[] = [];

  constructor(
    readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** A new series (the caller caches it per method, route and status). */
  add(method: string, route: string, status: string): DurationSeries {
    const series: DurationSeries = {
      labels: { http_request_method: method, http_route: route, http_response_status_code: status },
      counts: new Float64Array(this.bounds.length + 1),
      sum: 0,
      count: 0,
    };
    this.series.push(series);
    return series;
  }

  /** The registry's `resetMetrics()`: back to zero, series kept (their labels are still valid). */
  reset(): void {
    for (const s of this.series) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }

  // prom-client awaits get(); this one has nothing to wait for.
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i];
        values.push({ metricName: bucket, labels: { ...s.labels, le: this.bounds[i] }, value: cumulative });
      }
      values.push({ metricName: bucket, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}

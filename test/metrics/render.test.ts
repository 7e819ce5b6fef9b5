import { labelSet, MetricBatch } from '../../src/metrics/batch';
import { defineMetric } from '../../src/metrics/define';
import { HistogramState } from '../../src/metrics/histogram';
import { contentTypeOf, negotiateFormat, render, toExpositionFamily } from '../../src/metrics/render';
import { promtoolCheckMetrics } from '../harness/exporter';

const jobs = defineMetric({
  name: 'demo_jobs',
  help: 'Jobs "by" queue\\state\nsecond line.',
  type: 'gauge',
  labels: ['queue', 'state'],
});
const done = defineMetric({ name: 'demo_done_total', help: 'Done.', type: 'counter', labels: ['queue'] });
const info = defineMetric({ name: 'demo_info', help: 'Info.', type: 'info', labels: ['version'] });
const wait = defineMetric({
  name: 'demo_wait_seconds',
  help: 'Wait.',
  type: 'histogram',
  labels: ['queue'],
  buckets: [0.1, 1, 10],
});

function sample(): MetricBatch {
  const b = new MetricBatch();
  b.set(jobs, 3, { queue: 'emails', state: 'waiting' });
  b.set(jobs, 1, { queue: 'quo"te\\back\nline ünï 🚀', state: 'active' });
  b.set(done, 12, { queue: 'emails' });
  b.set(info, 1, { version: '7.0.15' });
  const h = new HistogramState(wait.buckets!);
  for (const v of [0.05, 0.5, 5, 50]) h.observe(v);
  b.setHistogram(wait, h.value, { queue: 'emails' });
  return b;
}

const families = (b: MetricBatch) => [...b.families.values()].map(toExpositionFamily);

describe('exposition', () => {
  test('Prometheus text: escaping, types, histogram series, lint-clean', () => {
    const text = render(families(sample()), 'prometheus');
    expect(text).toContain('# HELP demo_jobs Jobs "by" queue\\\\state\\nsecond line.');
    expect(text).toContain('demo_jobs{queue="quo\\"te\\\\back\\nline ünï 🚀",state="active"} 1');
    expect(text).toContain('# TYPE demo_done_total counter\ndemo_done_total{queue="emails"} 12');
    expect(text).toContain('# TYPE demo_info gauge');
    expect(text).toContain('demo_wait_seconds_bucket{queue="emails",le="1"} 2');
    expect(text).toContain('demo_wait_seconds_bucket{queue="emails",le="+Inf"} 4');
    expect(text).toContain('demo_wait_seconds_sum{queue="emails"} 55.55');
    expect(text).toContain('demo_wait_seconds_count{queue="emails"} 4');
    expect(text.endsWith('\n')).toBe(true);
    expect(promtoolCheckMetrics(text)).toBe('');
  });

  test('OpenMetrics: counter and info families drop their suffix, HELP escapes quotes, ends with # EOF', () => {
    const text = render(families(sample()), 'openmetrics');
    expect(text).toContain('# TYPE demo_done counter\ndemo_done_total{queue="emails"} 12');
    expect(text).toContain('# TYPE demo info\ndemo_info{version="7.0.15"} 1');
    expect(text).toContain('# HELP demo_jobs Jobs \\"by\\" queue');
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  test('a duplicate label set replaces the earlier sample instead of repeating the series', () => {
    const b = new MetricBatch();
    b.set(done, 1, { queue: 'a' });
    b.set(done, 2, { queue: 'a' });
    expect(render(families(b), 'prometheus').match(/demo_done_total\{/g)).toHaveLength(1);
  });

  test('histogram series: le is the last label, a label-less histogram gets {le=...} alone, series keep their own labels', () => {
    const bare = defineMetric({
      name: 'demo_bare_seconds',
      help: 'Bare.',
      type: 'histogram',
      labels: [],
      buckets: [0.5, 2],
    });
    const b = new MetricBatch();
    const h = new HistogramState(bare.buckets!);
    h.observe(1);
    b.setHistogram(bare, h.value);
    const q = new HistogramState(wait.buckets!);
    q.observe(0.05);
    b.setHistogram(wait, q.value, { queue: 'a"b' });
    b.setHistogram(wait, new HistogramState(wait.buckets!).value, { queue: 'c' });
    const text = render(families(b), 'prometheus');
    expect(text).toContain(
      'demo_bare_seconds_bucket{le="0.5"} 0\ndemo_bare_seconds_bucket{le="2"} 1\ndemo_bare_seconds_bucket{le="+Inf"} 1\ndemo_bare_seconds_sum 1\ndemo_bare_seconds_count 1\n',
    );
    expect(text).toContain('demo_wait_seconds_bucket{queue="a\\"b",le="0.1"} 1');
    expect(text).toContain('demo_wait_seconds_count{queue="a\\"b"} 1\ndemo_wait_seconds_bucket{queue="c",le="0.1"} 0');
    expect(promtoolCheckMetrics(text)).toBe('');
  });

  test("a batch's families print the same text straight from its maps as through toExpositionFamily", () => {
    const b = sample();
    const bare = defineMetric({
      name: 'demo_bare_seconds',
      help: 'Bare.',
      type: 'histogram',
      labels: [],
      buckets: [1],
    });
    b.setHistogram(bare, new HistogramState(bare.buckets!).value);
    b.set(jobs, 2, labelSet({ queue: 'a"b', state: 'waiting' }));
    b.set(done, 0, labelSet({ queue: 'a"b' }));
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const direct = render(b.families.values(), format);
      expect(direct).toBe(render(families(b), format));
      // Label sets remember their text: a second rendering is the same.
      expect(render(b.families.values(), format)).toBe(direct);
    }
  });

  test('a label set prints the same label text as a plain object with the same labels (its text is kept, built apart)', () => {
    const count = defineMetric({ name: 'demo_count', help: 'Count.', type: 'gauge', labels: [] });
    const odd = 'quo"te\\back\nline ünï 🚀';
    const fill = (b: MetricBatch, make: <T extends Record<string, string>>(labels: T) => T) => {
      b.set(jobs, 1, make({ queue: odd, state: 'active' }));
      b.set(jobs, 2, make({ queue: 'emails', state: 'waiting' }));
      b.set(done, 3, make({ queue: odd }));
      b.set(count, 4, make({}));
      const h = new HistogramState(wait.buckets!);
      h.observe(0.5);
      b.setHistogram(wait, h.value, make({ queue: odd }));
    };
    const kept = new MetricBatch();
    fill(kept, labelSet);
    const plain = new MetricBatch();
    fill(plain, (labels) => ({ ...labels }));
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const expected = render(plain.families.values(), format);
      expect(expected).toContain('demo_jobs{queue="quo\\"te\\\\back\\nline ünï 🚀",state="active"} 1\n');
      expect(expected).toContain('demo_wait_seconds_bucket{queue="quo\\"te\\\\back\\nline ünï 🚀",le="1"} 1\n');
      expect(expected).toContain('demo_count 4\n');
      expect(render(kept.families.values(), format)).toBe(expected);
      // Again, from the kept texts.
      expect(render(kept.families.values(), format)).toBe(expected);
    }
  });

  test('special values', () => {
    const b = new MetricBatch();
    b.set(jobs, NaN, { queue: 'a', state: 'x' });
    b.set(jobs, Infinity, { queue: 'b', state: 'x' });
    b.set(jobs, -Infinity, { queue: 'c', state: 'x' });
    const text = render(families(b), 'prometheus');
    expect(text).toMatch(/"a",state="x"} NaN/);
    expect(text).toMatch(/"b",state="x"} \+Inf/);
    expect(text).toMatch(/"c",state="x"} -Inf/);
    expect(promtoolCheckMetrics(text)).toBe('');
  });

  test('content negotiation follows the Accept header', () => {
    expect(negotiateFormat('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5')).toBe(
      'openmetrics',
    );
    expect(negotiateFormat('text/plain')).toBe('prometheus');
    expect(negotiateFormat(undefined)).toBe('prometheus');
    // Prometheus' own default header: OpenMetrics preferred.
    expect(
      negotiateFormat(
        'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      ),
    ).toBe('openmetrics');
    // q=0 means "not acceptable"; a lower q than the text format loses.
    expect(negotiateFormat('application/openmetrics-text;q=0')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text; Q=0.0, text/plain')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=0.2,text/plain;q=0.9')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=bogus')).toBe('prometheus');
    expect(negotiateFormat('Application/OpenMetrics-Text')).toBe('openmetrics');
  });

  test('the protobuf exposition is served only when asked for first, and only the MetricFamily one', () => {
    // What Prometheus 2.42 sends with --enable-feature=native-histograms.
    const prometheusNative =
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(negotiateFormat(prometheusNative)).toBe('protobuf');
    expect(
      negotiateFormat(
        'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.1,text/plain;q=0.5',
      ),
    ).toBe('prometheus');
    expect(
      negotiateFormat('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text'),
    ).toBe('prometheus');
    expect(negotiateFormat('application/vnd.google.protobuf;proto=other.Message;encoding=delimited')).toBe(
      'prometheus',
    );
    expect(
      negotiateFormat('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0'),
    ).toBe('prometheus');
    expect(contentTypeOf('protobuf')).toBe(
      'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
    );
  });

  test('definitions enforce naming conventions', () => {
    expect(() => defineMetric({ name: 'x_count', help: '', type: 'counter', labels: [] })).toThrow(/_total/);
    expect(() => defineMetric({ name: 'x_total', help: '', type: 'gauge', labels: [] })).toThrow(/_total/);
    expect(() => defineMetric({ name: 'x', help: '', type: 'info', labels: [] })).toThrow(/_info/);
    expect(() => defineMetric({ name: 'bad-name', help: '', type: 'gauge', labels: [] })).toThrow(
      /invalid metric name/,
    );
    expect(() => defineMetric({ name: 'x', help: '', type: 'gauge', labels: ['__reserved'] })).toThrow(/invalid label/);
  });
});

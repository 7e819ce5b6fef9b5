import { Reader, parse } from 'protobufjs';
import { MetricBatch } from '../../src/metrics/batch';
import { defineMetric } from '../../src/metrics/define';
import { HistogramState } from '../../src/metrics/histogram';
import { encodeProtobuf } from '../../src/metrics/protobuf';
import { AnswerTooLarge, toExpositionFamily } from '../../src/metrics/render';

/** client_model's metrics.proto (proto2), the parts read here, written out independently of src/metrics/protobuf.ts. */
const METRICS_PROTO = `
syntax = "proto2";
package io.prometheus.client;
message LabelPair { optional string name = 1; optional string value = 2; }
enum MetricType { COUNTER = 0; GAUGE = 1; SUMMARY = 2; UNTYPED = 3; HISTOGRAM = 4; GAUGE_HISTOGRAM = 5; }
message Gauge { optional double value = 1; }
message Counter { optional double value = 1; }
message Bucket { optional uint64 cumulative_count = 1; optional double upper_bound = 2; }
message BucketSpan { optional sint32 offset = 1; optional uint32 length = 2; }
message Histogram {
  optional uint64 sample_count = 1; optional double sample_sum = 2; repeated Bucket bucket = 3;
  optional sint32 schema = 5; optional double zero_threshold = 6; optional uint64 zero_count = 7;
  repeated BucketSpan positive_span = 12; repeated sint64 positive_delta = 13;
}
message Metric { repeated LabelPair label = 1; optional Gauge gauge = 2; optional Counter counter = 3; optional Histogram histogram = 7; }
message MetricFamily { optional string name = 1; optional string help = 2; optional MetricType type = 3; repeated Metric metric = 4; }
`;

const family = parse(METRICS_PROTO, { keepCase: true }).root.lookupType('io.prometheus.client.MetricFamily');

function decodeAll(bytes: Uint8Array): Record<string, unknown>[] {
  const reader = Reader.create(bytes);
  const out: Record<string, unknown>[] = [];
  while (reader.pos < reader.len)
    out.push(family.toObject(family.decodeDelimited(reader), { longs: Number, enums: String }));
  return out;
}

const jobs = defineMetric({ name: 'test_jobs', help: 'Jobs "now"\nin state.', type: 'gauge', labels: ['queue'] });
const done = defineMetric({ name: 'test_done_total', help: 'Done.', type: 'counter', labels: ['queue'] });
const wait = defineMetric({
  name: 'test_wait_seconds',
  help: 'Wait.',
  type: 'histogram',
  labels: ['queue'],
  buckets: [0.1, 1],
});

test('families decode with client_model field numbers: gauges, counters, histograms with classic and native buckets', () => {
  const batch = new MetricBatch();
  batch.set(jobs, 3, { queue: 'ünïcode "q"\n' });
  batch.set(done, 7, { queue: 'a' });
  const h = new HistogramState([0.1, 1]);
  for (const v of [0, 0.05, 0.5, 0.5, 2]) h.observe(v);
  batch.setHistogram(wait, h.value, { queue: 'a' });
  const decoded = decodeAll(encodeProtobuf([...batch.families.values()].map(toExpositionFamily)));
  expect(decoded[0]).toEqual({
    name: 'test_jobs',
    help: 'Jobs "now"\nin state.',
    type: 'GAUGE',
    metric: [{ label: [{ name: 'queue', value: 'ünïcode "q"\n' }], gauge: { value: 3 } }],
  });
  // COUNTER is the enum's zero: protobufjs leaves it off the wire, and proto2 decoders read the absent field as it.
  expect(decoded[1]).toMatchObject({ name: 'test_done_total', metric: [{ counter: { value: 7 } }] });
  const histogram = decoded[2] as { type: string; metric: { label: unknown; histogram: Record<string, unknown> }[] };
  expect(histogram.type).toBe('HISTOGRAM');
  expect(histogram.metric[0].label).toEqual([{ name: 'queue', value: 'a' }]);
  const native = h.value.native!;
  expect(histogram.metric[0].histogram).toEqual({
    sample_count: 5,
    sample_sum: 3.05,
    bucket: [
      { cumulative_count: 2, upper_bound: 0.1 },
      { cumulative_count: 4, upper_bound: 1 },
    ],
    schema: 3,
    zero_threshold: native.zeroThreshold,
    zero_count: 1,
    positive_span: native.positiveSpans.map((s) => ({ offset: s.offset, length: s.length })),
    positive_delta: [...native.positiveDeltas],
  });
});

test('an answer over the bound is refused, never served cut', () => {
  const batch = new MetricBatch();
  for (let i = 0; i < 100; i++) batch.set(jobs, i, { queue: `queue-${i}` });
  const families = [...batch.families.values()].map(toExpositionFamily);
  expect(() => encodeProtobuf(families, 500)).toThrow(AnswerTooLarge);
  expect(encodeProtobuf(families).length).toBeGreaterThan(500);
});

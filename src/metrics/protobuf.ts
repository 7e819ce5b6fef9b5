import type { Type } from 'protobufjs/light';
import type { Labels } from './batch';
import type { NativeHistogramValue } from './native-histogram';
import { AnswerTooLarge, type ExpositionFamily, type ExpositionSample } from './render';

/**
 * The Prometheus protobuf exposition: length-delimited `io.prometheus.client.MetricFamily`
 * messages, the format Prometheus asks for when native histograms are enabled. The schema is the
 * part of client_model's metrics.proto this exporter writes (field numbers as there; exemplars and
 * timestamps left out), encoded by protobufjs.
 */
const CLIENT_MODEL = {
  nested: {
    io: {
      nested: {
        prometheus: {
          nested: {
            client: {
              nested: {
                MetricType: {
                  values: { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 },
                },
                LabelPair: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
                Gauge: { fields: { value: { type: 'double', id: 1 } } },
                Counter: { fields: { value: { type: 'double', id: 1 } } },
                Untyped: { fields: { value: { type: 'double', id: 1 } } },
                Bucket: {
                  fields: { cumulativeCount: { type: 'uint64', id: 1 }, upperBound: { type: 'double', id: 2 } },
                },
                BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
                Histogram: {
                  fields: {
                    sampleCount: { type: 'uint64', id: 1 },
                    sampleSum: { type: 'double', id: 2 },
                    bucket: { rule: 'repeated', type: 'Bucket', id: 3 },
                    schema: { type: 'sint32', id: 5 },
                    zeroThreshold: { type: 'double', id: 6 },
                    zeroCount: { type: 'uint64', id: 7 },
                    positiveSpan: { rule: 'repeated', type: 'BucketSpan', id: 12 },
                    positiveDelta: { rule: 'repeated', type: 'sint64', id: 13 },
                  },
                },
                Metric: {
                  fields: {
                    label: { rule: 'repeated', type: 'LabelPair', id: 1 },
                    gauge: { type: 'Gauge', id: 2 },
                    counter: { type: 'Counter', id: 3 },
                    untyped: { type: 'Untyped', id: 5 },
                    histogram: { type: 'Histogram', id: 7 },
                  },
                },
                MetricFamily: {
                  fields: {
                    name: { type: 'string', id: 1 },
                    help: { type: 'string', id: 2 },
                    type: { type: 'MetricType', id: 3 },
                    metric: { rule: 'repeated', type: 'Metric', id: 4 },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const METRIC_TYPE = { counter: 0, gauge: 1, info: 1, histogram: 4 } as const;

let metricFamily: Type | undefined;

/** Loaded and built on the first protobuf scrape: an exporter scraped as text never loads protobufjs. */
function metricFamilyType(): Type {
  if (!metricFamily) {
    // Loaded on the first protobuf scrape only: most setups never negotiate it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Root } = require('protobufjs/light') as typeof import('protobufjs/light');
    metricFamily = Root.fromJSON(CLIENT_MODEL).lookupType('io.prometheus.client.MetricFamily');
  }
  return metricFamily;
}

interface LabelPair {
  name: string;
  value: string;
}

const labelPairs = (labels: Labels): LabelPair[] => Object.keys(labels).map((name) => ({ name, value: labels[name] }));

interface HistogramMessage {
  label: LabelPair[];
  histogram: {
    sampleCount: number;
    sampleSum: number;
    bucket: { cumulativeCount: number; upperBound: number }[];
    schema?: number;
    zeroThreshold?: number;
    zeroCount?: number;
    positiveSpan?: { offset: number; length: number }[];
    positiveDelta?: number[];
  };
}

/** The series' labels without `le` (prom-client puts it among the labels), as a map key. */
function seriesOf(sample: ExpositionSample): { key: string; labels: Labels } {
  const { le: _le, ...labels } = sample.labels;
  return { key: JSON.stringify(labels), labels };
}

/**
 * Regroups a histogram family's printable samples (`_bucket`, `_sum`, `_count`) into one message
 * per series, with the native histogram of that series when it has one.
 */
function histogramMetrics(family: ExpositionFamily): HistogramMessage[] {
  const series = new Map<string, HistogramMessage>();
  const nativeByKey = new Map<string, NativeHistogramValue>();
  for (const [labels, native] of family.native ?? []) nativeByKey.set(JSON.stringify(labels), native);
  for (const sample of family.samples) {
    const { key, labels } = seriesOf(sample);
    let metric = series.get(key);
    if (!metric) {
      metric = { label: labelPairs(labels), histogram: { sampleCount: 0, sampleSum: 0, bucket: [] } };
      series.set(key, metric);
    }
    const le = sample.le ?? sample.labels.le;
    if (sample.name.endsWith('_bucket') && le !== undefined) {
      const upperBound = Number(le);
      // +Inf is implied by the count; only the finite bounds are classic buckets.
      if (Number.isFinite(upperBound)) metric.histogram.bucket.push({ cumulativeCount: sample.value, upperBound });
    } else if (sample.name.endsWith('_sum')) metric.histogram.sampleSum = sample.value;
    else if (sample.name.endsWith('_count')) metric.histogram.sampleCount = sample.value;
  }
  for (const [key, metric] of series) {
    const native = nativeByKey.get(key);
    if (!native) continue;
    Object.assign(metric.histogram, {
      schema: native.schema,
      zeroThreshold: native.zeroThreshold,
      zeroCount: native.zeroCount,
      positiveSpan: native.positiveSpans.map((s) => ({ offset: s.offset, length: s.length })),
      positiveDelta: [...native.positiveDeltas],
    });
  }
  return [...series.values()];
}

function familyMessage(family: ExpositionFamily): object {
  if (family.type === 'histogram')
    return { name: family.name, help: family.help, type: METRIC_TYPE.histogram, metric: histogramMetrics(family) };
  const field = family.type === 'counter' ? 'counter' : 'gauge';
  const metric = family.samples.map((s) => ({ label: labelPairs(s.labels), [field]: { value: s.value } }));
  return { name: family.name, help: family.help, type: METRIC_TYPE[family.type], metric };
}

/**
 * Families in order, each one length-delimited message; families without samples are left out.
 * Stops with AnswerTooLarge as soon as the answer passes `maxBytes`.
 */
export function encodeProtobuf(families: Iterable<ExpositionFamily>, maxBytes = Infinity): Buffer {
  const type = metricFamilyType();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const family of families) {
    if (family.samples.length === 0) continue;
    const bytes = type.encodeDelimited(type.fromObject(familyMessage(family))).finish();
    size += bytes.length;
    if (size > maxBytes) throw new AnswerTooLarge(`exposition over ${maxBytes} bytes`);
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

import { defineMetric, defineMetrics } from './define';

/** The exporter's own health: how each collector did in the latest collection. */
export const selfMetrics = defineMetrics({
  collectorDuration: defineMetric({
    name: 'jobstack_exporter_collector_duration_seconds',
    help: 'Time the collector took in the latest collection, in seconds.',
    type: 'gauge',
    labels: ['collector'],
  }),
  collectorSuccess: defineMetric({
    name: 'jobstack_exporter_collector_success',
    help: 'Whether the collector finished without error within its deadline in the latest collection (1) or not (0).',
    type: 'gauge',
    labels: ['collector'],
  }),
  labelValuesCut: defineMetric({
    name: 'jobstack_exporter_label_values_cut',
    help: 'Label values the collector produced in the latest collection that were longer than 256 UTF-8 bytes or not well formed, and were exposed cut, ending with ~ and 8 hex digits of their SHA-256.',
    type: 'gauge',
    labels: ['collector'],
  }),
  collections: defineMetric({
    name: 'jobstack_exporter_collections_total',
    help: 'Collections run since the exporter started; concurrent scrapes share one collection.',
    type: 'counter',
    labels: [],
  }),
  buildInfo: defineMetric({
    name: 'jobstack_exporter_build_info',
    help: 'Build of the running exporter; always 1.',
    type: 'info',
    labels: ['version', 'revision', 'nodejs'],
  }),
});

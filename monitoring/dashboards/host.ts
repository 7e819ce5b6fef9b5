import * as common from '@grafana/grafana-foundation-sdk/common';
import { hostMetrics as h } from '../../src/collectors/host/metrics';
import type { MixinConfig } from '../config';
import { HEIGHT, m, query, r, timeseriesPanel, type FieldOverride } from './common';

/** Panel 14: host CPU and memory utilisation, load per CPU. */
export function hostPanel(cfg: MixinConfig) {
  const loadAxis: FieldOverride = {
    matcher: { id: 'byFrameRefID', options: 'C' },
    properties: [
      { id: 'unit', value: 'short' },
      { id: 'custom.axisPlacement', value: common.AxisPlacement.Right },
    ],
  };
  return timeseriesPanel(
    'Host CPU, memory, load',
    'CPU busy (not idle, not waiting on I/O) and memory used (total minus available) as shares of the host, and the 1-minute load average per CPU (above 1 means work is queueing for CPU).',
    'percentunit',
    24,
    HEIGHT.chart,
  )
    .withTarget(
      query(`1 - avg by (instance) (${r(cfg, h.cpuSeconds, 'mode=~"idle|iowait"')})`, 'cpu {{instance}}', 'A'),
    )
    .withTarget(query(`1 - ${m(cfg, h.memoryAvailable)} / ${m(cfg, h.memoryTotal)}`, 'memory {{instance}}', 'B'))
    .withTarget(
      query(
        `${m(cfg, h.load1)} / on (instance) count by (instance) (${m(cfg, h.cpuSeconds, 'mode="idle"')})`,
        'load1 per cpu {{instance}}',
        'C',
      ),
    )
    .min(0)
    .overrides([loadAxis]);
}

import { EXP, EXP_LABELS, type RuleCase } from './types';
import { RECORD } from '../../../monitoring/rules/names';
import { HEALTH_PENALTIES } from '../../../src/health/penalties';

export const storageHealthCases: RuleCase[] = [
  {
    name: 'storage down, almost full, filling',
    series: [
      { series: `s3_up{${EXP}}`, values: '1 1 0x40' },
      { series: `localstorage_up{${EXP}}`, values: '1x400' },
      { series: `localstorage_filesystem_size_bytes{${EXP}}`, values: '1000x400' },
      { series: `localstorage_filesystem_avail_bytes{${EXP}}`, values: '1000-2.5x400' },
    ],
    exprs: [
      {
        at: '60m',
        expr: RECORD.localStorageAvail,
        expect: [{ labels: `${RECORD.localStorageAvail}{${EXP}}`, value: 0.4 }],
      },
    ],
    alerts: [
      { at: '45s', alert: 'StorageDown', firing: [] },
      {
        at: '3m',
        alert: 'StorageDown',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'critical', component: 'storage' },
            description:
              'The S3 bucket or the local storage path watched by exp:9478 cannot be reached or read (for 20s).',
          },
        ],
      },
      { at: '30m', alert: 'StorageWillFillSoon', firing: [] },
      {
        at: '95m',
        alert: 'StorageWillFillSoon',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'storage' },
            description: 'At the rate of the last 6h, the storage path on exp:9478 fills within 4 hours.',
          },
        ],
      },
    ],
  },
  {
    name: 'storage almost full',
    series: [
      { series: `localstorage_filesystem_size_bytes{${EXP}}`, values: '1000x80' },
      { series: `localstorage_filesystem_avail_bytes{${EXP}}`, values: '200x20 80x20 40x40' },
    ],
    alerts: [
      { at: '9m', alert: 'StorageAlmostFull', firing: [] },
      {
        at: '21m',
        alert: 'StorageAlmostFull',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'storage' },
            description: 'The storage path on exp:9478 has 4% space left (below 10%).',
          },
          {
            labels: { ...EXP_LABELS, severity: 'critical', component: 'storage' },
            description: 'The storage path on exp:9478 has 4% space left (below 5%).',
          },
        ],
      },
    ],
  },
  {
    name: 'probes failing and certificates expiring',
    series: [
      { series: `probe_success{${EXP},target="api"}`, values: '1 1 0x20' },
      { series: `probe_success{${EXP},target="web"}`, values: '1x22' },
      // promtool's clock starts at 0: expiry one week after it.
      { series: `probe_tls_cert_expiry_timestamp_seconds{${EXP},target="api"}`, values: '604800x300' },
      { series: `probe_tls_cert_expiry_timestamp_seconds{${EXP},target="web"}`, values: '31536000x300' },
    ],
    alerts: [
      { at: '1m', alert: 'ProbeFailing', firing: [] },
      {
        at: '3m',
        alert: 'ProbeFailing',
        firing: [
          {
            labels: { ...EXP_LABELS, target: 'api', severity: 'critical', component: 'probe' },
            description: 'Probe api from exp:9478 has failed for 1m.',
          },
        ],
      },
      { at: '30m', alert: 'ProbeCertificateExpiringSoon', firing: [] },
      {
        at: '65m',
        alert: 'ProbeCertificateExpiringSoon',
        firing: [
          {
            labels: { ...EXP_LABELS, target: 'api', severity: 'warning', component: 'probe' },
            description: 'The certificate of probe api expires in 6d 22h 55m 0s.',
          },
        ],
      },
    ],
  },
  {
    // A full squashfs snap mount used to cost storageNearlyFull while the disk alerts ignored it.
    name: 'health score: a full read-only filesystem costs nothing, a full writable one costs storageNearlyFull',
    series: [
      { series: `up{${EXP}}`, values: '1x40' },
      { series: `up{job="jobstack",instance="full:9478"}`, values: '1x40' },
      ...(
        [
          ['exp:9478', '/dev/vda', '/', 'ext4', 500, 0],
          ['exp:9478', '/dev/loop0', '/snap/core/1', 'squashfs', 0, 1],
          ['full:9478', '/dev/loop0', '/snap/core/1', 'squashfs', 0, 1],
          ['full:9478', '/dev/vdb', '/data', 'ext4', 50, 0],
        ] as const
      ).flatMap(([instance, device, mountpoint, fstype, avail, readonly]) => {
        const labels = `job="jobstack",instance="${instance}",device="${device}",mountpoint="${mountpoint}",fstype="${fstype}"`;
        return [
          { series: `host_filesystem_size_bytes{${labels}}`, values: '1000x40' },
          { series: `host_filesystem_avail_bytes{${labels}}`, values: `${avail}x40` },
          { series: `host_filesystem_readonly{${labels}}`, values: `${readonly}x40` },
        ];
      }),
    ],
    exprs: [
      {
        at: '5m',
        expr: RECORD.healthScore,
        expect: [
          { labels: `${RECORD.healthScore}{instance="exp:9478"}`, value: 100 },
          {
            labels: `${RECORD.healthScore}{instance="full:9478"}`,
            value: 100 - HEALTH_PENALTIES.storageNearlyFull.points,
          },
        ],
      },
    ],
  },
  {
    name: 'health score: penalties add up, absent collectors cost nothing, exporter down is 0',
    series: [
      { series: `up{${EXP}}`, values: '1x60' },
      { series: `redis_up{${EXP}}`, values: '0x60' },
      { series: `pg_up{${EXP}}`, values: '1x60' },
      { series: `jobstack_exporter_collector_success{${EXP},collector="redis"}`, values: '0x60' },
      { series: `jobstack_exporter_collector_success{${EXP},collector="bullmq"}`, values: '0x60' },
      { series: `jobstack_exporter_collector_success{${EXP},collector="host"}`, values: '1x60' },
      { series: `up{job="jobstack",instance="fine:9478"}`, values: '1x60' },
      { series: `redis_up{job="jobstack",instance="fine:9478"}`, values: '1x60' },
      { series: `up{job="jobstack",instance="gone:9478"}`, values: '0x60' },
    ],
    exprs: [
      {
        at: '5m',
        expr: RECORD.healthScore,
        expect: [
          { labels: `${RECORD.healthScore}{instance="exp:9478"}`, value: 50 },
          { labels: `${RECORD.healthScore}{instance="fine:9478"}`, value: 100 },
          { labels: `${RECORD.healthScore}{instance="gone:9478"}`, value: 0 },
        ],
      },
    ],
    alerts: [
      { at: '5m', alert: 'JobstackHealthScoreLow', firing: [] },
      {
        at: '11m',
        alert: 'JobstackHealthScoreLow',
        firing: [
          {
            labels: { instance: 'exp:9478', severity: 'warning', component: 'exporter' },
            description: 'The health score of exp:9478 is 50 (below 70); several things are wrong at once.',
          },
          {
            labels: { instance: 'gone:9478', severity: 'warning', component: 'exporter' },
            description: 'The health score of gone:9478 is 0 (below 70); several things are wrong at once.',
          },
        ],
      },
    ],
  },
];

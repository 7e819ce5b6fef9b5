import { localStorageMetrics as ls } from '../../src/collectors/localstorage/metrics';
import { probeMetrics as pr } from '../../src/collectors/probes/metrics';
import { s3Metrics as s3 } from '../../src/collectors/s3/metrics';
import type { MixinConfig } from '../config';
import { sel } from '../promql';
import { RECORD } from './names';
import type { AlertRule, RecordingRule } from './types';

const pct = (v: number) => `${Math.round(v * 100)}%`;

export function storageRecordingRules(cfg: MixinConfig): RecordingRule[] {
  return [{ record: RECORD.localStorageAvail, expr: `${sel(cfg, ls.fsAvail)} / (${sel(cfg, ls.fsSize)} > 0)` }];
}

export function storageProbeAlerts(cfg: MixinConfig): AlertRule[] {
  const fullRunbook = {
    meaning:
      "The filesystem holding the application's storage path is running out of space; uploads and generated files will fail to write.",
    checks: [
      '"Storage" panel: free space trend and the file count (a runaway producer?).',
      '`du -sh <storage path>/*` for the biggest folders.',
      'Whether a cleanup job (old uploads, temp files) stopped running.',
    ] as const,
    fix: 'Delete or archive old files (to S3), fix the cleanup job, or grow the volume.',
  };
  return [
    {
      alert: 'StorageDown',
      expr: `${sel(cfg, s3.up)} == 0 or ${sel(cfg, ls.up)} == 0`,
      for: cfg.for.down,
      severity: 'critical',
      component: 'storage',
      summary: 'File storage unreachable',
      description:
        'The S3 bucket or the local storage path watched by {{ $labels.instance }} cannot be reached or read (for ' +
        cfg.for.down +
        ').',
      runbook: {
        meaning:
          'The application cannot store or read its files: the S3 bucket does not answer HeadBucket (down, 403, missing bucket) or the local path is gone or unreadable.',
        checks: [
          "The exporter landing page `/`: the s3 or localstorage collector's last error.",
          'S3: credentials (expired keys, changed policy: the exporter needs s3:ListBucket), endpoint reachability, bucket name.',
          'Local: is the volume mounted (`findmnt <path>`), permissions, a full or read-only filesystem.',
        ],
        fix: 'Restore the endpoint, credentials or mount. Jobs that failed writing files need a retry once storage is back.',
      },
    },
    {
      alert: 'StorageAlmostFull',
      expr: `${RECORD.localStorageAvail} < ${cfg.storage.freeWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'storage',
      summary: 'Storage volume almost full',
      description: `The storage path on {{ $labels.instance }} has {{ $value | humanizePercentage }} space left (below ${pct(cfg.storage.freeWarning)}).`,
      runbook: fullRunbook,
    },
    {
      alert: 'StorageAlmostFull',
      expr: `${RECORD.localStorageAvail} < ${cfg.storage.freeCritical}`,
      for: cfg.for.resource,
      severity: 'critical',
      component: 'storage',
      summary: 'Storage volume almost full',
      description: `The storage path on {{ $labels.instance }} has {{ $value | humanizePercentage }} space left (below ${pct(cfg.storage.freeCritical)}).`,
      runbook: fullRunbook,
    },
    {
      alert: 'StorageWillFillSoon',
      expr: `predict_linear(${sel(cfg, ls.fsAvail)}[${cfg.storage.fillLookback}], ${cfg.storage.fillHorizonHours} * 3600) < 0 and ${RECORD.localStorageAvail} < ${cfg.storage.fillOnlyBelow}`,
      for: '30m',
      severity: 'warning',
      component: 'storage',
      summary: `Storage volume predicted to fill within ${cfg.storage.fillHorizonHours} hours`,
      description: `At the rate of the last ${cfg.storage.fillLookback}, the storage path on {{ $labels.instance }} fills within ${cfg.storage.fillHorizonHours} hours.`,
      runbook: {
        ...fullRunbook,
        meaning: `Free space for the storage path has been falling steadily; a linear prediction over the last ${cfg.storage.fillLookback} reaches zero within ${cfg.storage.fillHorizonHours} hours.`,
      },
    },
    {
      alert: 'ProbeFailing',
      expr: `${sel(cfg, pr.success)} == 0`,
      for: cfg.for.probe,
      severity: 'critical',
      component: 'probe',
      summary: 'Application health endpoint failing',
      description: 'Probe {{ $labels.target }} from {{ $labels.instance }} has failed for ' + cfg.for.probe + '.',
      runbook: {
        meaning:
          "One of the application's own health endpoints does not answer with a 2xx within its timeout. Users probably see errors.",
        checks: [
          '`probe_http_status_code` for the target: 0 means no answer (down, timeout, DNS, TLS), 5xx an application error.',
          'The application logs around the time it started failing.',
          'Its dependencies on this dashboard: Redis, PostgreSQL, storage.',
        ],
        fix: 'Restart or roll back the service; fix the dependency it reports as broken.',
      },
    },
    {
      alert: 'ProbeCertificateExpiringSoon',
      expr: `${sel(cfg, pr.certExpiry)} - time() < ${cfg.certExpiryWarningDays} * 86400`,
      for: '1h',
      severity: 'warning',
      component: 'probe',
      summary: 'TLS certificate expires soon',
      description: 'The certificate of probe {{ $labels.target }} expires in {{ $value | humanizeDuration }}.',
      runbook: {
        meaning: 'A certificate the application serves expires within two weeks; after that clients refuse to connect.',
        checks: [
          '`openssl s_client -connect host:443 -servername host </dev/null | openssl x509 -noout -dates`.',
          'Whether automatic renewal (certbot, cert-manager) ran and failed.',
          'Whether the renewed certificate was deployed but the server not reloaded.',
        ],
        fix: 'Renew and deploy the certificate, reload the server, and fix the renewal automation.',
      },
    },
  ];
}

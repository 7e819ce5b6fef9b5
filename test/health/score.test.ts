import { hostMetrics as h } from '../../src/collectors/host/metrics';
import { History } from '../../src/dashboard/history';
import { hostSection } from '../../src/dashboard/sections/host';
import type { DashboardData } from '../../src/dashboard/types';
import { evaluateHealth } from '../../src/health/components';
import { HEALTH_PENALTIES as P } from '../../src/health/penalties';
import { healthScore } from '../../src/health/score';
import { MetricBatch } from '../../src/metrics/batch';

type Disk = DashboardData['system']['disks'][number];

const disk = (mountpoint: string, availRatio: number, readonly = false): Disk => ({
  mountpoint,
  sizeBytes: 1000,
  availBytes: 1000 * availRatio,
  usedRatio: 1 - availRatio,
  readonly,
});

const system = (disks: Disk[]): DashboardData['system'] => ({
  cpuRatio: 0.1,
  load1: 0.1,
  memory: { totalBytes: 1000, availableBytes: 900, usedRatio: 0.1 },
  disks,
  process: { rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1 },
  hostUptimeSeconds: 100,
});

const figures = (disks: Disk[]) => ({
  health: { components: [] },
  queues: [],
  storage: [],
  probes: [],
  system: system(disks),
  exporter: { version: 'test', revision: 'test', uptimeSeconds: 1, collectors: [] },
  api: [],
});

describe('health score: host filesystems', () => {
  test('a full writable filesystem costs the storageNearlyFull penalty', () => {
    expect(healthScore(figures([disk('/', 0.5), disk('/data', 0.05)]))).toEqual({
      score: 100 - P.storageNearlyFull.points,
      reasons: [`-${P.storageNearlyFull.points}: less than 10% space left on /data`],
    });
  });

  test('a full read-only filesystem (a squashfs snap) costs nothing', () => {
    expect(healthScore(figures([disk('/', 0.5), disk('/snap/core/1', 0, true)]))).toEqual({ score: 100, reasons: [] });
  });

  test('a read-only one beside a full writable one: only the writable one is named', () => {
    const { reasons } = healthScore(figures([disk('/snap/core/1', 0, true), disk('/var', 0.01)]));
    expect(reasons).toEqual([`-${P.storageNearlyFull.points}: less than 10% space left on /var`]);
  });
});

describe('/health/detailed host component', () => {
  const collection = {
    startedAt: 0,
    finishedAt: 1,
    outcomes: [{ name: 'host', success: true, durationSeconds: 0.01, batch: new MetricBatch(), finishedAt: 1 }],
  };
  const host = (disks: Disk[]) =>
    evaluateHealth(collection, {
      database: null,
      storage: [],
      probes: [],
      queues: [],
      system: system(disks),
      api: [],
    }).components.find((c) => c.name === 'host');

  test('degraded by a full writable filesystem, not by a full read-only one', () => {
    expect(host([disk('/', 0.05)])).toMatchObject({ status: 'degraded', error: 'filesystems over 90% full: /' });
    expect(host([disk('/', 0.5), disk('/snap/core/1', 0, true)])).toMatchObject({ status: 'up', error: null });
  });
});

test("the dashboard's disks carry host_filesystem_readonly", () => {
  const out = new MetricBatch();
  const labels = (mountpoint: string) => ({ device: `/dev/${mountpoint.length}`, mountpoint, fstype: 'ext4' });
  for (const [mountpoint, readonly] of [
    ['/', 0],
    ['/snap/core/1', 1],
  ] as const) {
    out.set(h.fsSize, 1000, labels(mountpoint));
    out.set(h.fsAvail, readonly ? 0 : 500, labels(mountpoint));
    out.set(h.fsReadonly, readonly, labels(mountpoint));
  }
  expect(hostSection(out, new History(), 300).disks).toEqual([
    { mountpoint: '/', sizeBytes: 1000, availBytes: 500, usedRatio: 0.5, readonly: false },
    { mountpoint: '/snap/core/1', sizeBytes: 1000, availBytes: 0, usedRatio: 1, readonly: true },
  ]);
});

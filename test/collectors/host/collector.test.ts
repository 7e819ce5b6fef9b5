import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostCollector } from '../../../src/collectors/host/collector';
import { hostMetrics as m } from '../../../src/collectors/host/metrics';
import { configSchema } from '../../../src/config/schema';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { collectOnce, renderBatch } from '../../harness/collect';

const hostConfig = configSchema.parse({}).collectors.host;
const PROC = path.join(__dirname, '../../fixtures/proc');
/** A host's /sys whose interfaces (enp1s0, lo, docker0, a veth) are not /proc/net/dev's (eth0, lo). */
const SYS = path.join(__dirname, '../../fixtures/sys');

const collect = (collector: HostCollector) => collectOnce(collector);
const exposition = renderBatch;

describe('host collector', () => {
  test('maps fixture /proc and /sys files to metrics', async () => {
    const out = await collect(new HostCollector({ ...hostConfig, sysPath: SYS }, { procPath: PROC }));
    expect(out.get(m.cpuSeconds, { cpu: '0', mode: 'idle' })).toBe(459.18);
    expect(out.samples(m.cpuSeconds)).toHaveLength(2 * 8);
    expect(out.get(m.load5)).toBe(0.34);
    expect(out.get(m.memoryTotal)).toBe(24631632 * 1024);
    expect(out.get(m.memoryUsed)).toBe((24631632 - 23000000) * 1024);
    expect(out.get(m.swapFree)).toBe(2000000 * 1024);
    expect(out.get(m.diskWrittenBytes, { device: 'vda' })).toBe(1600000 * 512);
    expect(out.get(m.diskReads, { device: 'vda1' })).toBeUndefined();
    // Interfaces come from sysfs (the host's, when its /sys is mounted), each marked physical or virtual.
    expect(out.samples(m.netReceiveBytes).map((s) => s.labels.device)).toEqual([
      'docker0',
      'enp1s0',
      'lo',
      'veth1a2b3c',
    ]);
    expect(out.get(m.netReceiveErrors, { device: 'enp1s0' })).toBe(5);
    expect(out.get(m.netTransmitErrors, { device: 'veth1a2b3c' })).toBe(7);
    expect(out.get(m.netPhysical, { device: 'enp1s0' })).toBe(1);
    expect(out.get(m.netPhysical, { device: 'veth1a2b3c' })).toBe(0);
    expect(out.get(m.netPhysical, { device: 'lo' })).toBe(0);
    expect(out.get(m.bootTime)).toBe(1795940000);
    expect(out.get(m.procsBlocked)).toBe(1);
    expect(out.get(m.processes)).toBe(2);
    // statfs runs on the real paths the fixture names: / exists, "/mnt/with space" does not.
    const mountpoints = out
      .samples(m.fsSize)
      .map((s) => s.labels.mountpoint)
      .sort();
    expect(mountpoints).toEqual(['/', '/tmp']);
    expect(out.samples(m.fsSize).find((s) => s.labels.mountpoint === '/tmp')?.labels.fstype).toBe('xfs');
    expect(out.get(m.fsReadonly, { device: '/dev/vdc', mountpoint: '/tmp', fstype: 'xfs' })).toBe(1);
    expect(out.get(m.fsReadonly, { device: '/dev/vda', mountpoint: '/', fstype: 'ext4' })).toBe(0);
    expect(out.get(m.fsFiles, { device: '/dev/vda', mountpoint: '/', fstype: 'ext4' })).toBeGreaterThan(0);
    expect(out.get(m.filefdAllocated)).toBe(2048);
    expect(out.get(m.filefdMaximum)).toBe(2 ** 63); // 9223372036854775807 as a double;
    expect(promtoolCheckMetrics(exposition(out))).toBe('');
  });

  test("with rootPath (a container with the host mounted read-only) it reads the host's mounts and labels host paths", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'jobstack-rootfs-'));
    try {
      mkdirSync(path.join(root, 'data'));
      const out = await collect(new HostCollector({ ...hostConfig, rootPath: root }, { procPath: PROC }));
      expect(
        out
          .samples(m.fsSize)
          .map((s) => s.labels.mountpoint)
          .sort(),
      ).toEqual(['/', '/data']);
      expect(out.get(m.fsReadonly, { device: '/dev/vdb', mountpoint: '/data', fstype: 'ext4' })).toBe(1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('without sysfs (no class/net at sysPath): interfaces from /proc/net/dev, not marked physical or virtual', async () => {
    const out = await collect(new HostCollector({ ...hostConfig, sysPath: '/nonexistent/sys' }, { procPath: PROC }));
    expect(out.samples(m.netReceiveBytes).map((s) => s.labels.device)).toEqual(['lo', 'eth0']);
    expect(out.get(m.netReceiveErrors, { device: 'eth0' })).toBe(3);
    expect(out.samples(m.netPhysical)).toEqual([]);
    expect(promtoolCheckMetrics(exposition(out))).toBe('');
  });

  test('fails (and so reports up 0) when /proc cannot be read', async () => {
    await expect(collect(new HostCollector(hostConfig, { procPath: '/nonexistent/proc' }))).rejects.toThrow(/ENOENT/);
  });

  test.each([
    ['/proc', false],
    ['systeminformation', true],
  ])('live via %s: plausible values and lint-clean exposition', async (_name, useSi) => {
    const out = await collect(new HostCollector(hostConfig, { useSysteminformation: useSi }));
    const total = out.get(m.memoryTotal)!;
    expect(total).toBeGreaterThan(100 * 2 ** 20);
    expect(out.get(m.memoryAvailable)!).toBeLessThanOrEqual(total);
    expect(out.samples(m.cpuSeconds).length).toBeGreaterThan(0);
    const root = out.samples(m.fsSize).find((s) => s.labels.mountpoint === '/');
    expect(root?.value).toBeGreaterThan(0);
    expect(out.get(m.bootTime)!).toBeLessThan(Date.now() / 1000);
    expect(out.get(m.netReceiveBytes, { device: 'lo' })).toBeGreaterThanOrEqual(0);
    // Read from /sys on Linux only.
    expect(out.get(m.netPhysical, { device: 'lo' })).toBe(useSi ? undefined : 0);
    expect(promtoolCheckMetrics(exposition(out))).toBe('');
  });
});

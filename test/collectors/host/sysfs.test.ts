import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_INTERFACES, parseCounter, readNetClass } from '../../../src/collectors/host/sysfs';

/**
 * test/fixtures/sys: a host's /sys. `enp1s0` is backed by a NIC (`device`; a symlink in real sysfs);
 * `lo`, `docker0` and a container's `veth1a2b3c` are virtual; `veth-gone` lost its counters mid-read,
 * as a veth does when its container stops. Its interfaces differ from ../proc/net/dev's, as the
 * host's differ from a container's own network namespace.
 */
const SYS = path.join(__dirname, '../../fixtures/sys');

describe('sysfs network interfaces', () => {
  test('counters per interface, physical only with a device, a vanished interface left out', async () => {
    expect(await readNetClass(SYS)).toEqual([
      {
        device: 'docker0',
        receiveBytes: 5000,
        receiveErrors: 0,
        transmitBytes: 7000,
        transmitErrors: 0,
        physical: false,
      },
      {
        device: 'enp1s0',
        receiveBytes: 88888888,
        receiveErrors: 5,
        transmitBytes: 7777777,
        transmitErrors: 1,
        physical: true,
      },
      { device: 'lo', receiveBytes: 12345, receiveErrors: 0, transmitBytes: 12345, transmitErrors: 0, physical: false },
      {
        device: 'veth1a2b3c',
        receiveBytes: 4000,
        receiveErrors: 0,
        transmitBytes: 6000,
        transmitErrors: 7,
        physical: false,
      },
    ]);
  });

  test('no class/net there (no sysfs mounted): undefined, for the caller to read /proc/net/dev', async () => {
    expect(await readNetClass('/nonexistent/sys')).toBeUndefined();
  });

  test('a host with thousands of veths: at most MAX_INTERFACES read, by name, the NIC among them', async () => {
    const sys = mkdtempSync(path.join(os.tmpdir(), 'sysfs-'));
    try {
      const names = [
        'eth0',
        ...Array.from({ length: MAX_INTERFACES + 20 }, (_, i) => `veth${String(i).padStart(5, '0')}`),
      ];
      for (const name of names) {
        const stats = path.join(sys, 'class/net', name, 'statistics');
        mkdirSync(stats, { recursive: true });
        for (const file of ['rx_bytes', 'rx_errors', 'tx_bytes', 'tx_errors'])
          writeFileSync(path.join(stats, file), '1\n');
      }
      mkdirSync(path.join(sys, 'class/net/eth0/device'));
      const read = (await readNetClass(sys))!;
      expect(read).toHaveLength(MAX_INTERFACES);
      expect(read[0]).toMatchObject({ device: 'eth0', physical: true, receiveBytes: 1 });
      expect(read.at(-1)!.device).toBe(names[MAX_INTERFACES - 1]);
    } finally {
      rmSync(sys, { recursive: true, force: true });
    }
  });

  test.each([
    ['9876543\n', 9876543],
    ['0', 0],
    ['', NaN],
    ['-1\n', NaN],
    ['12 kB', NaN],
  ])('counter %j', (text, expected) => {
    expect(parseCounter(text)).toBe(expected);
  });

  test('live /sys: loopback is virtual', async () => {
    const live = await readNetClass('/sys');
    expect(live?.find((i) => i.device === 'lo')).toMatchObject({ physical: false });
  });
});

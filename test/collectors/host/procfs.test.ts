import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  parseDiskstats,
  parseFileNr,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
} from '../../../src/collectors/host/procfs';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../../fixtures/proc', name), 'utf8');

describe('/proc parsers', () => {
  test('stat: per-CPU seconds by mode, boot time, runnable and blocked', () => {
    const stat = parseProcStat(fixture('stat'));
    expect([...stat.cpus.keys()]).toEqual(['0', '1']);
    expect(stat.cpus.get('1')).toEqual({
      user: 26.52,
      nice: 0,
      system: 18.01,
      idle: 445.98,
      iowait: 2.06,
      irq: 0,
      softirq: 0.54,
      steal: 0.06,
    });
    expect(stat).toMatchObject({ bootTime: 1795940000, procsRunning: 3, procsBlocked: 1 });
  });

  test('loadavg', () => {
    expect(parseLoadavg(fixture('loadavg'))).toEqual([0.52, 0.34, 0.21]);
  });

  test('meminfo: kB become bytes, counts stay counts', () => {
    const mem = parseMeminfo(fixture('meminfo'));
    expect(mem.get('MemTotal')).toBe(24631632 * 1024);
    expect(mem.get('MemAvailable')).toBe(23000000 * 1024);
    expect(mem.get('HugePages_Total')).toBe(0);
  });

  test('diskstats: whole disks only, sectors as bytes', () => {
    const disks = parseDiskstats(fixture('diskstats'));
    expect(disks.map((d) => d.device)).toEqual(['vda', 'nvme0n1']);
    expect(disks[0]).toEqual({
      device: 'vda',
      reads: 5000,
      readBytes: 800000 * 512,
      writes: 7000,
      writtenBytes: 1600000 * 512,
    });
  });

  test('net/dev: bytes and errors per interface', () => {
    expect(parseNetDev(fixture('net/dev'))).toEqual([
      { device: 'lo', receiveBytes: 12345, receiveErrors: 0, transmitBytes: 12345, transmitErrors: 0 },
      { device: 'eth0', receiveBytes: 9876543, receiveErrors: 3, transmitBytes: 1234567, transmitErrors: 2 },
    ]);
  });

  test('mounts: pseudo filesystems skipped, escapes decoded, the last mount over a path wins, ro flagged', () => {
    const mounts = parseMounts(
      fixture('self/mounts'),
      /^(proc|sysfs|overlay)$/,
      /^\/(proc|sys|var\/lib\/docker\/.+)($|\/)/,
    );
    expect(mounts).toEqual([
      { device: '/dev/vda', mountpoint: '/', fstype: 'ext4', readonly: false },
      { device: '/dev/vdb', mountpoint: '/mnt/with space', fstype: 'ext4', readonly: false },
      { device: '/dev/vdc', mountpoint: '/tmp', fstype: 'xfs', readonly: true },
    ]);
  });
});

test('file-nr: allocated and maximum handles', () => {
  expect(parseFileNr('1496\t0\t2466165\n')).toEqual({ allocated: 1496, maximum: 2466165 });
});

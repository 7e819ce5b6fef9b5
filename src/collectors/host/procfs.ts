/**
 * Pure parsers for Linux /proc files. Reading /proc is far cheaper than systeminformation's
 * calls (no child processes, no sampling delay), so the host collector uses these on Linux.
 */

/** Clock ticks per second for /proc/stat CPU times (USER_HZ, 100 on every Linux ABI). */
export const USER_HZ = 100;
/** /proc/diskstats counts 512-byte sectors whatever the device's sector size. */
export const SECTOR_BYTES = 512;

export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

export interface ProcStat {
  /** Per CPU ("0", "1", ...), seconds per mode. */
  readonly cpus: ReadonlyMap<string, Readonly<Record<(typeof CPU_MODES)[number], number>>>;
  readonly bootTime?: number;
  readonly procsRunning?: number;
  readonly procsBlocked?: number;
}

export function parseProcStat(text: string): ProcStat {
  const cpus = new Map<string, Record<(typeof CPU_MODES)[number], number>>();
  let bootTime: number | undefined;
  let procsRunning: number | undefined;
  let procsBlocked: number | undefined;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const key = fields[0] ?? '';
    const cpu = /^cpu(\d+)$/.exec(key);
    if (cpu) {
      const times = Object.fromEntries(CPU_MODES.map((mode, i) => [mode, Number(fields[i + 1] ?? 0) / USER_HZ]));
      cpus.set(cpu[1], times as Record<(typeof CPU_MODES)[number], number>);
    } else if (key === 'btime') bootTime = Number(fields[1]);
    else if (key === 'procs_running') procsRunning = Number(fields[1]);
    else if (key === 'procs_blocked') procsBlocked = Number(fields[1]);
  }
  return { cpus, bootTime, procsRunning, procsBlocked };
}

export function parseLoadavg(text: string): [number, number, number] {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  return [a ?? NaN, b ?? NaN, c ?? NaN];
}

/** /proc/meminfo values in bytes, keyed by field name (MemTotal, MemAvailable, ...). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out.set(m[1], Number(m[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

export interface Mount {
  readonly device: string;
  readonly mountpoint: string;
  readonly fstype: string;
  /** Mounted with `ro`: left out of disk-space alerts (nothing can fill it), alerted on when it should be writable. */
  readonly readonly: boolean;
}

/** /proc/self/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMounts(text: string, fsTypesExclude: RegExp, mountPointsExclude: RegExp): Mount[] {
  const seen = new Set<string>();
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountpoint, fstype, options] = line.split(' ').map(unescapeMount);
    if (!device || !mountpoint || !fstype) continue;
    if (fsTypesExclude.test(fstype) || mountPointsExclude.test(mountpoint)) continue;
    // A mountpoint mounted over is listed twice; the last mount is the visible one.
    if (seen.has(mountpoint))
      mounts.splice(
        mounts.findIndex((m) => m.mountpoint === mountpoint),
        1,
      );
    seen.add(mountpoint);
    mounts.push({ device, mountpoint, fstype, readonly: (options ?? '').split(',').includes('ro') });
  }
  return mounts;
}

/** /proc/sys/fs/file-nr: allocated handles, unused (always 0 since 2.6), maximum. */
export function parseFileNr(text: string): { allocated: number; maximum: number } {
  const [allocated, , maximum] = text.trim().split(/\s+/).map(Number);
  return { allocated: allocated ?? NaN, maximum: maximum ?? NaN };
}

export interface DiskStats {
  readonly device: string;
  readonly reads: number;
  readonly readBytes: number;
  readonly writes: number;
  readonly writtenBytes: number;
}

/** RAM/loop devices and partitions (counted again in their disk), node_exporter's default exclusion. */
export const DISK_EXCLUDE = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$/;

export function parseDiskstats(text: string): DiskStats[] {
  const out: DiskStats[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const device = f[2];
    if (DISK_EXCLUDE.test(device)) continue;
    out.push({
      device,
      reads: Number(f[3]),
      readBytes: Number(f[5]) * SECTOR_BYTES,
      writes: Number(f[7]),
      writtenBytes: Number(f[9]) * SECTOR_BYTES,
    });
  }
  return out;
}

export interface NetDev {
  readonly device: string;
  readonly receiveBytes: number;
  readonly receiveErrors: number;
  readonly transmitBytes: number;
  readonly transmitErrors: number;
}

export function parseNetDev(text: string): NetDev[] {
  const out: NetDev[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    out.push({
      device: line.slice(0, colon).trim(),
      receiveBytes: f[0] ?? 0,
      receiveErrors: f[2] ?? 0,
      transmitBytes: f[8] ?? 0,
      transmitErrors: f[10] ?? 0,
    });
  }
  return out;
}

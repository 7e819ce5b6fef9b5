import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** What the tests need from Debian: a binary that proves the package is there. */
export const DEBIAN_PACKAGES: readonly { pkg: string; binary: string }[] = [
  { pkg: 'redis-server', binary: 'redis-server' },
  { pkg: 'postgresql', binary: 'postgresql-bin' },
  { pkg: 'prometheus', binary: 'promtool' },
  { pkg: 'prometheus-alertmanager', binary: 'amtool' },
  { pkg: 'docker-compose', binary: 'docker-compose' },
  { pkg: 'chromium', binary: 'chromium' },
  { pkg: 'openssl', binary: 'openssl' },
];

export function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`;
  }
  return undefined;
}

/** PostgreSQL server binaries live in a versioned folder, not on PATH. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(`${base}/${v}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? `${base}/${versions[0]}/bin` : undefined;
}

function present(binary: string): boolean {
  return binary === 'postgresql-bin' ? postgresBinDir() !== undefined : which(binary) !== undefined;
}

/**
 * Installs missing packages with apt-get when running as root; otherwise fails with the exact
 * command to run. Called once from jest's global setup.
 */
export function ensureDebianPackages(needed = DEBIAN_PACKAGES): void {
  const missing = needed.filter((p) => !present(p.binary)).map((p) => p.pkg);
  if (!missing.length) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(', ')}. Run as root:\n  ${command}`);
  }
  process.stderr.write(`installing Debian packages: ${missing.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  const still = needed.filter((p) => !present(p.binary));
  if (still.length) throw new Error(`apt-get ran but these are still missing: ${still.map((p) => p.pkg).join(', ')}`);
}

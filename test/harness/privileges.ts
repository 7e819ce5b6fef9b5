import { execFileSync } from 'node:child_process';

/**
 * Runs `fn` with the effective user `nobody`, so permission checks apply as they do to an
 * unprivileged exporter: root reads any directory whatever its mode (CAP_DAC_OVERRIDE), so
 * `chmod 000` alone proves nothing in tests that run as root. Changing the effective uid away
 * from 0 clears the effective capabilities; changing it back restores them. Not root: `fn` runs
 * as the current user, for whom `chmod 000` already applies.
 */
export async function asUnprivileged<T>(fn: () => Promise<T>): Promise<T> {
  if (process.geteuid?.() !== 0 || !process.seteuid) return fn();
  const nobody = Number(execFileSync('id', ['-u', 'nobody']).toString());
  process.seteuid(nobody);
  try {
    return await fn();
  } finally {
    process.seteuid(0);
  }
}

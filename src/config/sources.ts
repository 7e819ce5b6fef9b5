import { readFileSync } from 'node:fs';
import { SETTINGS, type ValueKind } from './settings';

/**
 * Where each setting can come from besides the YAML file, as lookup lists from the one table
 * (config/settings.ts): environment variables and flags, each with its config path.
 */
export interface EnvVar {
  readonly name: string;
  readonly path: string;
  readonly kind: ValueKind;
  readonly secret?: boolean;
  readonly description: string;
}

export const ENV_VARS: readonly EnvVar[] = SETTINGS.flatMap((s) =>
  s.env === undefined
    ? []
    : [{ name: s.env, path: s.path, kind: s.kind, secret: s.secret, description: s.description }],
);

/** AWS credentials stay with the SDK's default chain; `_FILE` variants are read into it. */
export const AWS_SECRET_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

export interface Flag {
  readonly flag: string;
  readonly path: string;
  readonly kind: ValueKind;
  readonly description: string;
}

export const FLAGS: readonly Flag[] = SETTINGS.flatMap((s) =>
  s.flag === undefined ? [] : [{ flag: s.flag, path: s.path, kind: s.kind, description: s.description }],
);

/** Converts a raw string by kind; a bad boolean is passed on as text so validation names the field. */
export function convert(kind: ValueKind, raw: string): unknown {
  if (kind === 'list')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  if (kind === 'boolean') {
    const lower = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
  }
  return raw;
}

/** Reads `NAME` or `NAME_FILE` (trailing newline dropped); both set is an error. */
export function readEnvSecret(env: NodeJS.ProcessEnv, name: string): { value?: string; problem?: string } {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && file !== undefined) return { problem: `${name} and ${name}_FILE are both set; use one` };
  if (file === undefined) return { value: direct };
  try {
    return { value: readFileSync(file, 'utf8').replace(/\r?\n$/, '') };
  } catch (err) {
    return { problem: `${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

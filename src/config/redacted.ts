import { stringify } from 'yaml';
import type { Config } from './schema';
import { formatDuration } from './duration';

/** Setting names (last path segment) whose values are always durations in the parsed config. */
const DURATION_KEYS = /(?:timeout|Timeout|Interval|interval|Offset|maxAge|window)$/;
const SECRET_KEYS = /(?:password|secret|token|key)$/i;
const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The effective config as YAML for `--check-config` and the landing page: passwords in URLs and
 * secret fields replaced by `***`, durations written back as text.
 */
export function redactedConfig(config: Config): Record<string, unknown> {
  const walk = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    if (typeof value === 'string' && SECRET_KEYS.test(key)) return '***';
    // A list of URLs (Redis Cluster seed nodes) is redacted URL by URL.
    if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      const parts = value.split(',');
      return parts.every((p) => URL_START.test(p.trim())) ? parts.map(redactUrl).join(',') : redactUrl(value);
    }
    if (typeof value === 'number' && DURATION_KEYS.test(key)) return formatDuration(value);
    return value;
  };
  return walk(config, '') as Record<string, unknown>;
}

/** Query parameters that usually carry a credential (`?token=`, `api_key`, `X-Amz-Signature`). */
const SECRET_PARAMS = /token|key|secret|pass|pwd|auth|sig|credential/i;

export function redactUrl(text: string): string {
  try {
    const u = new URL(text);
    if (u.password) u.password = '***';
    // A health endpoint may take its token in the query (PROBE_TARGETS is a secret setting for that reason).
    for (const name of new Set(u.searchParams.keys())) if (SECRET_PARAMS.test(name)) u.searchParams.set(name, '***');
    return u.toString();
  } catch {
    return '***';
  }
}

export function redactedConfigYaml(config: Config): string {
  return stringify(redactedConfig(config));
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The web config file Prometheus exporters share (exporter-toolkit): `tls_server_config`,
 * `basic_auth_users` (bcrypt hashes) and `http_server_config.headers`. Relative file paths are
 * relative to the config file, as in exporter-toolkit.
 */
const CLIENT_AUTH = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
const TLS_VERSIONS = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
/** The headers exporter-toolkit lets a web config set. */
const SETTABLE_HEADERS = [
  'Strict-Transport-Security',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'X-XSS-Protection',
  'Content-Security-Policy',
] as const;

const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

const schema = z
  .object({
    tls_server_config: z
      .object({
        cert_file: z.string().min(1),
        key_file: z.string().min(1),
        client_auth_type: z.enum(CLIENT_AUTH).default('NoClientCert'),
        client_ca_file: z.string().min(1).optional(),
        min_version: z.enum(['TLS12', 'TLS13']).default('TLS12'),
        max_version: z.enum(['TLS12', 'TLS13']).default('TLS13'),
      })
      .strict()
      .optional(),
    basic_auth_users: z
      .record(z.string().min(1), z.string().regex(BCRYPT, 'not a bcrypt hash (use htpasswd -nBC 10 USER)'))
      .default({}),
    http_server_config: z
      .object({
        http2: z.boolean().optional(),
        headers: z.record(z.enum(SETTABLE_HEADERS), z.string()).default({}),
      })
      .strict()
      .default({}),
  })
  .strict();

export interface TlsSettings {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  /** VerifyClientCertIfGiven: a client may send no certificate, but one it sends must verify. */
  readonly verifyIfGiven: boolean;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface WebSecurity {
  readonly tls?: TlsSettings;
  /** user -> bcrypt hash. */
  readonly users: ReadonlyMap<string, string>;
  readonly bearerToken?: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Reads and checks the web config; returns problems (naming the setting) instead of throwing. */
export function loadWebSecurity(
  file: string | undefined,
  bearerToken: string | undefined,
): { security?: WebSecurity; problems: string[] } {
  if (!file) return { security: { users: new Map(), bearerToken, headers: {} }, problems: [] };
  const where = `web.configFile (${file})`;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problems: [`${where}: ${code ? `cannot read (${code})` : 'not valid YAML'}`] };
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map(
        (i) =>
          `${where}: ${i.path.join('.') || '(top level)'}: ${i.code === 'unrecognized_keys' ? `unknown setting ${i.keys.join(', ')}` : i.message}`,
      ),
    };
  }
  const problems: string[] = [];
  const dir = path.dirname(file);
  const read = (setting: string, f: string): Buffer | undefined => {
    try {
      return readFileSync(path.resolve(dir, f));
    } catch (err) {
      problems.push(
        `${where}: tls_server_config.${setting}: cannot read ${f} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return undefined;
    }
  };
  const t = parsed.data.tls_server_config;
  let tls: TlsSettings | undefined;
  if (t) {
    const verify =
      t.client_auth_type === 'RequireAndVerifyClientCert' || t.client_auth_type === 'VerifyClientCertIfGiven';
    if (verify && !t.client_ca_file)
      problems.push(
        `${where}: tls_server_config.client_ca_file: required when client_auth_type is ${t.client_auth_type}`,
      );
    const cert = read('cert_file', t.cert_file);
    const key = read('key_file', t.key_file);
    const ca = t.client_ca_file ? read('client_ca_file', t.client_ca_file) : undefined;
    if (cert && key) {
      tls = {
        cert,
        key,
        ca,
        requestCert: t.client_auth_type !== 'NoClientCert',
        // Node verifies against `ca` when rejectUnauthorized; "IfGiven" is enforced in the auth middleware.
        rejectUnauthorized: t.client_auth_type === 'RequireAndVerifyClientCert',
        verifyIfGiven: t.client_auth_type === 'VerifyClientCertIfGiven',
        minVersion: TLS_VERSIONS[t.min_version],
        maxVersion: TLS_VERSIONS[t.max_version],
      };
    }
  }
  if (problems.length) return { problems };
  return {
    security: {
      tls,
      users: new Map(Object.entries(parsed.data.basic_auth_users)),
      bearerToken,
      headers: parsed.data.http_server_config.headers,
    },
    problems,
  };
}

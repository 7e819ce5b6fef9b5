import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { inject } from 'light-my-request';
import type { Collector } from '../../src/collectors/types';
import { configSchema } from '../../src/config/schema';
import { createApp } from '../../src/http/app';
import { loadWebSecurity, type WebSecurity } from '../../src/config/web-config';
import { silentLogger } from '../../src/log/logger';
import { ScrapeRunner } from '../../src/runner/runner';
import { runCli, startExporter } from '../harness/exporter';
import { tempDir } from '../harness/process';

const tmp = tempDir('security');
afterAll(() => tmp.remove());
const file = (name: string, text: string) => {
  const p = path.join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
};
const build = { version: '1.0.0', revision: 'x', nodejs: process.version };
const hash = bcrypt.hashSync('right-password', 4);

function handler(security: WebSecurity, collectors: Collector[] = [], maxRequests = 10) {
  const config = configSchema.parse({ web: { maxRequests } });
  const runner = new ScrapeRunner(
    collectors.map((collector) => ({ collector, timeoutMs: 30_000 })),
    silentLogger,
  );
  return createApp({ config, runner, build, log: silentLogger, collectorNames: [], security }).callback();
}
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('web config file', () => {
  test('valid file: users and headers', () => {
    const { security, problems } = loadWebSecurity(
      file(
        'ok.yml',
        `basic_auth_users:\n  prom: '${hash}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: SAMEORIGIN\n`,
      ),
      undefined,
    );
    expect(problems).toEqual([]);
    expect(security?.users.get('prom')).toBe(hash);
    expect(security?.headers).toEqual({ 'X-Frame-Options': 'SAMEORIGIN' });
  });

  test.each([
    ['not a bcrypt hash', 'basic_auth_users:\n  prom: plaintext\n', /basic_auth_users\.prom: not a bcrypt hash/],
    ['unknown key', 'basic_auth_user:\n  prom: x\n', /unknown setting basic_auth_user/],
    [
      'missing cert file',
      'tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n',
      /tls_server_config\.cert_file: cannot read nope\.crt \(ENOENT\)/,
    ],
    [
      'client CA required',
      `tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n`,
      /client_ca_file: required/,
    ],
    ['bad TLS version', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n', /min_version/],
    ['header not allowed', 'http_server_config:\n  headers:\n    Set-Cookie: x\n', /headers/],
  ])('%s is a config problem naming the setting', (_n, text, expected) => {
    const { security, problems } = loadWebSecurity(file(`bad-${_n.replace(/\W/g, '')}.yml`, text), undefined);
    expect(security).toBeUndefined();
    expect(problems.join('\n')).toMatch(expected);
  });

  test('the CLI exits 2 on a bad web config', () => {
    const res = runCli([
      '--check-config',
      '--web.config.file',
      file('cli-bad.yml', 'basic_auth_users:\n  prom: plaintext\n'),
    ]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/web\.configFile .*basic_auth_users\.prom/);
  });
});

describe('authentication', () => {
  const security: WebSecurity = { users: new Map([['prom', hash]]), headers: {} };

  test('basic auth guards everything but /health', async () => {
    const h = handler(security);
    const none = await inject(h, { url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm="jobstack-exporter"/);
    expect((await inject(h, { url: '/', headers: { authorization: basic('prom', 'wrong') } })).statusCode).toBe(401);
    expect(
      (await inject(h, { url: '/metrics', headers: { authorization: basic('nobody', 'right-password') } })).statusCode,
    ).toBe(401);
    expect(
      (await inject(h, { url: '/metrics', headers: { authorization: basic('prom', 'right-password') } })).statusCode,
    ).toBe(200);
    expect((await inject(h, { url: '/health' })).statusCode).toBe(200);
  });

  test('bearer token', async () => {
    const h = handler({ users: new Map(), bearerToken: 'a-long-enough-token-123', headers: {} });
    expect(
      (await inject(h, { url: '/metrics', headers: { authorization: 'Bearer a-long-enough-token-123' } })).statusCode,
    ).toBe(200);
    const wrong = await inject(h, { url: '/metrics', headers: { authorization: 'Bearer a-long-enough-token-124' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await inject(h, { url: '/metrics' })).statusCode).toBe(401);
  });
});

describe('limits and headers', () => {
  test('security headers on every answer', async () => {
    const res = await inject(handler({ users: new Map(), headers: {} }), { url: '/' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  test('request bodies are refused', async () => {
    const res = await inject(handler({ users: new Map(), headers: {} }), {
      method: 'POST',
      url: '/metrics',
      payload: 'x'.repeat(5000),
    });
    expect(res.statusCode).toBe(413);
  });

  test('more concurrent /metrics requests than allowed get 503 at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Collector = { name: 'slow', collect: () => gate };
    const h = handler({ users: new Map(), headers: {} }, [slow], 2);
    const first = [inject(h, { url: '/metrics' }), inject(h, { url: '/metrics' })];
    await new Promise((r) => setImmediate(r));
    const extra = await inject(h, { url: '/metrics' });
    expect(extra.statusCode).toBe(503);
    expect(extra.headers['retry-after']).toBe('1');
    release();
    expect((await Promise.all(first)).map((r) => r.statusCode)).toEqual([200, 200]);
  });
});

test('TLS from the web config: https answers, plain http does not', async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(tmp.dir, 'tls.key'),
      '-out',
      path.join(tmp.dir, 'tls.crt'),
    ],
    { stdio: 'ignore' },
  );
  const web = file(
    'tls.yml',
    `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  prom: '${hash}'\n`,
  );
  const exporter = await startExporter(['--web.config.file', web], {}, 'https');
  try {
    const ca = readFileSync(path.join(tmp.dir, 'tls.crt'));
    const get = (auth?: string) =>
      new Promise<{ status: number; hsts?: string }>((resolve, reject) => {
        https
          .get(`${exporter.url}/metrics`, { ca, headers: auth ? { authorization: auth } : {} }, (res) => {
            res.resume();
            resolve({
              status: res.statusCode ?? 0,
              hsts: res.headers['strict-transport-security'],
            });
          })
          .on('error', reject);
      });
    expect((await get()).status).toBe(401);
    const ok = await get(basic('prom', 'right-password'));
    expect(ok.status).toBe(200);
    expect(ok.hsts).toMatch(/max-age=/);
    await expect(fetch(exporter.url.replace('https:', 'http:') + '/health')).rejects.toThrow();
  } finally {
    await exporter.stop();
  }
});

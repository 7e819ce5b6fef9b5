import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { runCliAsync, startExporter, type ExporterProcess } from '../harness/exporter';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { freePort, sleep, tempDir, waitFor } from '../harness/process';
import { startRedis, type RedisServer } from '../harness/redis';
import { startS3, type S3Server } from '../harness/s3';

/**
 * Distinct secrets in every secret-bearing setting - from the environment, from `*_FILE`
 * files and from the YAML file - with real servers that reject them (wrong password, bad
 * signature) or cannot be reached, so the error paths run. None may appear, in any encoding,
 * in any endpoint's answer, any log line (at debug level) or the --check-config output.
 */

const tmp = tempDir('secrets');
let redis: RedisServer;
let pg: PostgresServer;
let s3: S3Server;
/** A health endpoint that refuses every request (401), so the probe's credentials are wrong too. */
const guarded = http.createServer((_req, res) => {
  res.writeHead(401, { 'www-authenticate': 'Basic realm="app"' });
  res.end('no');
});
let guardedPort = 0;
/** A port nothing listens on. */
let closedPort = 0;

/**
 * s3rver does not check SigV4 signatures, only the access key id: an unknown one is refused
 * (403 InvalidAccessKeyId), so the planted secret key and session token are sent and rejected.
 */
const UNKNOWN_ACCESS_KEY = 'AKIAUNKNOWNTOS3RVER';

/** Every endpoint the exporter serves or may serve (a 404 answer is checked too). */
const PATHS = [
  '/',
  '/metrics',
  '/health',
  '/health/detailed',
  '/dashboard',
  '/dashboard/data',
  '/dashboard/app.js',
  '/does-not-exist',
];

beforeAll(async () => {
  [redis, pg, s3] = await Promise.all([
    startRedis({ password: 'Real-Redis-Password-0' }),
    startPostgres({ password: 'Real-Pg-Password-0' }),
    startS3(['uploads']),
  ]);
  await new Promise<void>((r) => guarded.listen(0, '127.0.0.1', r));
  guardedPort = (guarded.address() as AddressInfo).port;
  closedPort = await freePort();
}, 60_000);

afterAll(async () => {
  guarded.close();
  await Promise.all([redis?.stop(), pg?.stop(), s3?.stop()]);
  tmp.remove();
});

/** Forms a secret may leak in: as is, percent-encoded (URLs), base64 (Authorization headers). */
function leakForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])];
}

function expectNoSecrets(where: string, text: string, secrets: Record<string, string>): void {
  for (const [setting, secret] of Object.entries(secrets)) {
    for (const form of leakForms(secret)) {
      if (text.includes(form))
        throw new Error(
          `${where} shows the secret of ${setting} (${form === secret ? 'as is' : 'encoded'}):\n${text.slice(Math.max(0, text.indexOf(form) - 300), text.indexOf(form) + 300)}`,
        );
    }
  }
}

interface Scenario {
  readonly env: NodeJS.ProcessEnv;
  readonly args: readonly string[];
  /** Setting -> the secret planted in it. */
  readonly secrets: Record<string, string>;
  readonly bearer: string;
}

const file = (name: string, text: string) => {
  const p = path.join(tmp.dir, name);
  writeFileSync(p, `${text}\n`);
  return p;
};

/** Secrets from the environment; every server is up and rejects them. */
function fromEnvironment(): Scenario {
  const s = {
    REDIS_URL: 'EnvRedisUrl/pass@1',
    REDIS_PASSWORD: 'EnvRedisPassword:2',
    DATABASE_URL: 'EnvDbUrl/pass@3',
    DATABASE_PASSWORD: 'EnvDbPassword%4',
    AWS_SECRET_ACCESS_KEY: 'EnvAwsSecretKey+5/abc',
    AWS_SESSION_TOKEN: 'EnvAwsSessionToken6==',
    JOBSTACK_BEARER_TOKEN: 'EnvBearerToken-7-long-enough',
    PROBE_TARGETS: 'EnvProbePass:8',
    'PROBE_TARGETS query': 'EnvProbeQueryToken/9',
    APP_TARGETS: 'EnvAppPass:10',
    'APP_TARGETS query': 'EnvAppQueryToken/11',
    ALERTMANAGER_URL: 'EnvAlertmanagerPass:12',
  };
  return {
    secrets: s,
    bearer: s.JOBSTACK_BEARER_TOKEN,
    args: [],
    env: {
      REDIS_URL: `redis://:${encodeURIComponent(s.REDIS_URL)}@127.0.0.1:${redis.port}`,
      REDIS_PASSWORD: s.REDIS_PASSWORD,
      DATABASE_URL: `postgres://postgres:${encodeURIComponent(s.DATABASE_URL)}@127.0.0.1:${pg.port}/postgres`,
      DATABASE_PASSWORD: s.DATABASE_PASSWORD,
      S3_BUCKET: 'uploads',
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: UNKNOWN_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: s.AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: s.AWS_SESSION_TOKEN,
      JOBSTACK_BEARER_TOKEN: s.JOBSTACK_BEARER_TOKEN,
      PROBE_TARGETS: `api=http://probe:${encodeURIComponent(s.PROBE_TARGETS)}@127.0.0.1:${guardedPort}/health,token=http://127.0.0.1:${guardedPort}/health?access_token=${encodeURIComponent(s['PROBE_TARGETS query'])}`,
      APP_TARGETS: `api=http://scraper:${encodeURIComponent(s.APP_TARGETS)}@127.0.0.1:${guardedPort}/_jobstack,token=http://127.0.0.1:${guardedPort}/_jobstack?token=${encodeURIComponent(s['APP_TARGETS query'])}`,
      ALERTMANAGER_URL: `http://viewer:${encodeURIComponent(s.ALERTMANAGER_URL)}@127.0.0.1:${guardedPort}/`,
    },
  };
}

/** Secrets from `*_FILE` files; nothing is reachable (a closed port, a name that does not resolve). */
function fromFiles(): Scenario {
  const s = {
    REDIS_URL_FILE: 'FileRedisUrl/pass@1',
    REDIS_PASSWORD_FILE: 'FileRedisPassword:2',
    DATABASE_URL_FILE: 'FileDbUrl/pass@3',
    DATABASE_PASSWORD_FILE: 'FileDbPassword%4',
    AWS_SECRET_ACCESS_KEY_FILE: 'FileAwsSecretKey+5/abc',
    AWS_SESSION_TOKEN_FILE: 'FileAwsSessionToken6==',
    JOBSTACK_BEARER_TOKEN_FILE: 'FileBearerToken-7-long-enough',
    PROBE_TARGETS_FILE: 'FileProbePass:8',
    APP_TARGETS_FILE: 'FileAppPass:10',
    ALERTMANAGER_URL_FILE: 'FileAlertmanagerPass:12',
  };
  return {
    secrets: s,
    bearer: s.JOBSTACK_BEARER_TOKEN_FILE,
    args: [],
    env: {
      REDIS_URL_FILE: file('redis-url', `redis://:${encodeURIComponent(s.REDIS_URL_FILE)}@127.0.0.1:${closedPort}`),
      REDIS_PASSWORD_FILE: file('redis-password', s.REDIS_PASSWORD_FILE),
      DATABASE_URL_FILE: file(
        'db-url',
        `postgres://app:${encodeURIComponent(s.DATABASE_URL_FILE)}@nonexistent.invalid:5432/jobs`,
      ),
      DATABASE_PASSWORD_FILE: file('db-password', s.DATABASE_PASSWORD_FILE),
      S3_BUCKET: 'uploads',
      S3_ENDPOINT: `http://127.0.0.1:${closedPort}`,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'AKIAFILESCENARIO',
      AWS_SECRET_ACCESS_KEY_FILE: file('aws-secret', s.AWS_SECRET_ACCESS_KEY_FILE),
      AWS_SESSION_TOKEN_FILE: file('aws-session', s.AWS_SESSION_TOKEN_FILE),
      JOBSTACK_BEARER_TOKEN_FILE: file('bearer', s.JOBSTACK_BEARER_TOKEN_FILE),
      PROBE_TARGETS_FILE: file(
        'probes',
        `api=http://probe:${encodeURIComponent(s.PROBE_TARGETS_FILE)}@nonexistent.invalid/health,local=http://probe:${encodeURIComponent(s.PROBE_TARGETS_FILE)}@127.0.0.1:${closedPort}/health`,
      ),
      ALERTMANAGER_URL_FILE: file(
        'alertmanager-url',
        `http://viewer:${encodeURIComponent(s.ALERTMANAGER_URL_FILE)}@127.0.0.1:${closedPort}/`,
      ),
      APP_TARGETS_FILE: file(
        'apps',
        `api=http://scraper:${encodeURIComponent(s.APP_TARGETS_FILE)}@nonexistent.invalid/_jobstack\nlocal=http://scraper:${encodeURIComponent(s.APP_TARGETS_FILE)}@127.0.0.1:${closedPort}/_jobstack`,
      ),
    },
  };
}

/** Secrets in the YAML file (AWS keys have no config setting: environment); servers reject them. */
function fromConfigFile(): Scenario {
  const s = {
    'redis.url': 'YamlRedisUrl/pass@1',
    'redis.password': 'YamlRedisPassword:2',
    'postgres.url': 'YamlDbUrl/pass@3',
    'postgres.password': 'YamlDbPassword%4',
    AWS_SECRET_ACCESS_KEY: 'YamlAwsSecretKey+5/abc',
    AWS_SESSION_TOKEN: 'YamlAwsSessionToken6==',
    'web.bearerToken': 'YamlBearerToken-7-long-enough',
    'collectors.probes.targets': 'YamlProbePass:8',
    'collectors.probes.targets query': 'YamlProbeQueryToken/9',
    'alertmanager.url': 'YamlAlertmanagerPass:12',
  };
  const config = file(
    'exporter.yml',
    stringify({
      redis: {
        url: `redis://exporter:${encodeURIComponent(s['redis.url'])}@127.0.0.1:${redis.port}/0`,
        password: s['redis.password'],
      },
      postgres: {
        url: `postgres://postgres:${encodeURIComponent(s['postgres.url'])}@127.0.0.1:${pg.port}/postgres`,
        password: s['postgres.password'],
      },
      storage: { s3: { bucket: 'uploads', endpoint: s3.endpoint, forcePathStyle: true } },
      web: { bearerToken: s['web.bearerToken'] },
      alertmanager: { url: `http://viewer:${encodeURIComponent(s['alertmanager.url'])}@127.0.0.1:${guardedPort}/` },
      collectors: {
        probes: {
          targets: [
            {
              name: 'api',
              url: `http://probe:${encodeURIComponent(s['collectors.probes.targets'])}@127.0.0.1:${guardedPort}/health`,
            },
            {
              name: 'token',
              url: `http://127.0.0.1:${guardedPort}/health?x=1&apiKey=${encodeURIComponent(s['collectors.probes.targets query'])}`,
            },
          ],
        },
      },
    }),
  );
  return {
    secrets: s,
    bearer: s['web.bearerToken'],
    args: ['--config', config],
    env: {
      AWS_ACCESS_KEY_ID: UNKNOWN_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: s.AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: s.AWS_SESSION_TOKEN,
    },
  };
}

describe.each([
  ['the environment, servers rejecting them', fromEnvironment],
  ['*_FILE files, servers unreachable', fromFiles],
  ['the YAML file, servers rejecting them', fromConfigFile],
])('secrets from %s', (_name, scenario) => {
  let s: Scenario;
  let exporter: ExporterProcess;
  const answers: string[] = [];

  beforeAll(async () => {
    s = scenario();
    exporter = await startExporter([...s.args, '--log.level=debug'], s.env);
  }, 30_000);
  afterAll(() => exporter?.stop());

  test('no endpoint shows a secret, with or without the right token, in either exposition format', async () => {
    const requests: [string, Record<string, string>][] = [];
    for (const p of PATHS) {
      requests.push(
        [p, {}],
        [p, { authorization: `Bearer ${s.bearer}` }],
        [p, { authorization: 'Bearer wrong-token-wrong-token' }],
      );
    }
    requests.push([
      '/metrics',
      { authorization: `Bearer ${s.bearer}`, accept: 'application/openmetrics-text; version=1.0.0' },
    ]);
    // Two rounds: the first scrape starts the background S3 listing, whose failure the second shows.
    for (let round = 0; round < 2; round++) {
      for (const [p, headers] of requests) {
        const res = await fetch(`${exporter.url}${p}`, {
          headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '3', ...headers },
        });
        const text = `${res.status} ${JSON.stringify([...res.headers])}\n${await res.text()}`;
        answers.push(`${p}: ${text}`);
        expectNoSecrets(`GET ${p} (round ${round + 1})`, text, s.secrets);
      }
      await sleep(300);
    }
    // The error paths did run: every dependency failed and the failures are on the landing page.
    const scrape = await (
      await fetch(`${exporter.url}/metrics`, { headers: { authorization: `Bearer ${s.bearer}` } })
    ).text();
    for (const up of ['redis_up 0', 'bullmq_up 0', 'pg_up 0', 's3_up 0', 'probe_success{target="api"} 0'])
      expect(scrape).toContain(up);
    // The JSON endpoints exist and answered with the token (not a 404 that says nothing).
    expect(answers.some((a) => a.startsWith('/dashboard/data: 200'))).toBe(true);
    expect(answers.some((a) => /^\/health\/detailed: (200|503)/.test(a))).toBe(true);
    const landing = answers.filter((a) => a.startsWith('/: 200')).pop()!;
    expect(landing).toMatch(/failed: /);
  });

  test('no log line shows a secret (debug level, every error path)', async () => {
    await waitFor(
      'the S3 listing failure logged',
      () => /S3 listing of uploads\/ failed/.test(exporter.child.log()),
      10_000,
    );
    const log = exporter.child.log();
    expect(log).toMatch(/"msg":"collector failed","collector":"redis"/);
    expect(log).toMatch(/"msg":"collector failed","collector":"postgres"/);
    expect(log).toMatch(/"msg":"collector failed","collector":"s3"/);
    expect(log).toMatch(/"msg":"probe failed"/);
    expectNoSecrets('the log', log, s.secrets);
  });

  test('--check-config shows no secret, when valid and when another setting is wrong', async () => {
    const ok = await runCliAsync(['--check-config', ...s.args], s.env);
    expect(ok.status).toBe(0);
    expectNoSecrets('--check-config', ok.stdout + ok.stderr, s.secrets);
    const bad = await runCliAsync(['--check-config', ...s.args, '--scrape.timeout-offset=-1s'], s.env);
    expect(bad.status).toBe(2);
    expectNoSecrets('--check-config with an error', bad.stdout + bad.stderr, s.secrets);
  });
});

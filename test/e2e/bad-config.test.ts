import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCliAsync } from '../harness/exporter';
import { tempDir } from '../harness/process';

/**
 * Every broken config file in test/fixtures/bad-config/, given to the built CLI with
 * --check-config and as a plain start: exit code 2, a message naming the problem, no stack
 * trace, nothing on stdout. A new fixture without an entry here fails the first test.
 */

const DIR = path.join(__dirname, '../fixtures/bad-config');

/** File -> what stderr must contain (each line of output starts with "config error: "). */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  // wrong types
  'wrong-type-log-level.yml': [
    "logLevel: Expected 'debug' | 'info' | 'warn' | 'error', received number (from config file)",
  ],
  'wrong-type-listen.yml': ['listen: Expected string, received number'],
  'wrong-type-queues.yml': ['bullmq.queues: Expected array, received string'],
  'wrong-type-enabled.yml': ['collectors.redis.enabled: Expected boolean, received string'],
  'wrong-type-max-requests.yml': ['web.maxRequests: Expected number, received string'],
  'wrong-type-section-null.yml': ['redis: Expected object, received null'],
  'wrong-type-section-list.yml': ['storage: Expected object, received array'],
  'log-level-unknown.yml': [
    "logLevel: Invalid enum value. Expected 'debug' | 'info' | 'warn' | 'error', received 'verbose'",
  ],
  // unknown keys
  'unknown-key-top.yml': ['surprise: unknown setting'],
  'unknown-key-nested.yml': ['redis.pasword: unknown setting'],
  'unknown-collector.yml': ['collectors.kafka: unknown setting'],
  'unknown-key-collector.yml': ['collectors.bullmq.discoverInterval: unknown setting'],
  // bad URLs
  'bad-url-redis-scheme.yml': ['redis.url: scheme must be redis or rediss, not http'],
  'bad-url-redis-malformed.yml': ['redis.url: not a valid URL (expected redis:// or rediss://...)'],
  'bad-url-postgres-no-host.yml': ['postgres.url: URL has no host'],
  'bad-url-s3-endpoint.yml': ['storage.s3.endpoint: scheme must be http or https, not minio'],
  'bad-url-probe-scheme.yml': ['collectors.probes.targets.0.url: scheme must be http or https, not ftp'],
  'bad-url-probe-text.yml': ['collectors.probes.targets.0.url: not a valid URL'],
  // durations and numbers
  'negative-duration.yml': ['scrape.defaultTimeout: "-5s" is not a duration (use e.g. 500ms, 10s, 5m)'],
  'duration-zero.yml': ['collectors.redis.timeout: 0s is out of range (100ms to 120s)'],
  'duration-out-of-range.yml': ['scrape.timeoutOffset: 1h is out of range (0ms to 5s)'],
  'duration-number.yml': ['scrape.timeoutOffset: expected a duration such as "10s"'],
  'duration-no-unit.yml': ['collectors.s3.listInterval: "300" is not a duration'],
  'duration-bad-unit.yml': ['collectors.bullmq.discoveryInterval: "1 minute" is not a duration'],
  'negative-number.yml': ['collectors.bullmq.maxQueues: Number must be greater than or equal to 1'],
  'number-not-integer.yml': ['collectors.bullmq.queuesPerCall: Expected integer, received float'],
  'number-overflow.yml': ['collectors.bullmq.maxQueues: Number must be less than or equal to 100000'],
  'max-requests-zero.yml': ['web.maxRequests: Number must be greater than or equal to 1'],
  'histogram-buckets-descending.yml': ['collectors.bullmq.histogramBuckets: bucket bounds must be ascending'],
  'histogram-buckets-empty.yml': [
    'collectors.bullmq.histogramBuckets: give at least one bound (histograms: off turns the histograms off)',
  ],
  'histograms-unknown.yml': [
    "collectors.bullmq.histograms: Invalid enum value. Expected 'per-queue' | 'total' | 'off', received 'per-job'",
  ],
  // custom SQL metrics
  'query-metric-name-invalid.yml': [
    'collectors.postgres.queries.0.metrics.0.name: "1jobs-total" is not a valid metric name',
  ],
  'query-metric-reserved-prefix.yml': [
    'collectors.postgres.queries.0.metrics.0.name: "pg_jobs" uses the prefix pg_, reserved',
  ],
  'query-counter-without-total.yml': [
    'collectors.postgres.queries.0.metrics.0.name: "app_jobs_done" is a counter, so its name must end in _total',
  ],
  'query-gauge-with-total.yml': [
    'collectors.postgres.queries.0.metrics.0.name: "app_jobs_total" ends in _total, which only counters may',
  ],
  'query-reserved-suffix.yml': ['collectors.postgres.queries.0.metrics.0.name: "app_jobs_bucket" ends in _bucket'],
  'query-label-invalid.yml': ['collectors.postgres.queries.0.labels.0: "__status" is not a valid label name'],
  'query-not-select.yml': ['collectors.postgres.queries.0.sql: must be one SELECT, WITH, VALUES or TABLE statement'],
  'query-duplicate-name.yml': ['collectors.postgres.queries.1.name: duplicate query name "jobs"'],
  'query-no-metrics.yml': ['collectors.postgres.queries.0.metrics: Array must contain at least 1 element(s)'],
  'query-bad-type.yml': [
    "collectors.postgres.queries.0.metrics.0.type: Invalid enum value. Expected 'gauge' | 'counter', received 'histogram'",
  ],
  // YAML syntax
  'yaml-unclosed-quote.yml': ['yaml-unclosed-quote.yml: YAML syntax error at line 5 (MISSING_CHAR)'],
  'yaml-bad-indentation.yml': ['yaml-bad-indentation.yml: YAML syntax error at line 3 (BAD_INDENT)'],
  'yaml-tab-indentation.yml': ['yaml-tab-indentation.yml: YAML syntax error at line 2 (TAB_AS_INDENT)'],
  'yaml-duplicate-key.yml': ['yaml-duplicate-key.yml: YAML syntax error at line 2 (DUPLICATE_KEY)'],
  'yaml-unclosed-flow.yml': ['yaml-unclosed-flow.yml: YAML syntax error at line 3'],
  'yaml-secret-in-syntax-error.yml': ['yaml-secret-in-syntax-error.yml: YAML syntax error at line 4 (MISSING_CHAR)'],
  'yaml-alias-bomb.yml': ['yaml-alias-bomb.yml: YAML syntax error (aliases: too many, or one without its anchor)'],
  'yaml-unresolved-alias.yml': [
    'yaml-unresolved-alias.yml: YAML syntax error (aliases: too many, or one without its anchor)',
  ],
  // not a settings file at all
  'empty.yml': ['empty.yml: is empty (remove --config, or give at least one setting)'],
  'whitespace-only.yml': ['whitespace-only.yml: is empty'],
  'comments-only.yml': ['comments-only.yml: top level must be a mapping of settings'],
  'top-level-list.yml': ['top-level-list.yml: top level must be a mapping of settings'],
  'top-level-scalar.yml': ['top-level-scalar.yml: top level must be a mapping of settings'],
  'binary-garbage.bin': ['binary-garbage.bin: is not UTF-8 text (a binary file?)'],
  'binary-nul-bytes.bin': ['binary-nul-bytes.bin: is not UTF-8 text (a binary file?)'],
  'utf16.yml': ['utf16.yml: is not UTF-8 text (a binary file?)'],
  'nul-in-text.yml': ['nul-in-text.yml: is not a text file (it holds NUL bytes)'],
  // other settings
  'invalid-regex.yml': ['collectors.host.fsTypesExclude: not a valid regular expression'],
  'bearer-token-short.yml': ['web.bearerToken: use at least 16 characters'],
  'web-config-missing.yml': ['web.configFile (/nonexistent/web-config.yml): cannot read (ENOENT)'],
  'probe-duplicate-names.yml': ['collectors.probes.targets.1.name: duplicate target name "api"'],
  'probe-name-invalid.yml': ['collectors.probes.targets.0.name: use 1-64 letters, digits, _ . or -'],
  's3-bucket-too-short.yml': ['storage.s3.bucket: String must contain at least 3 character(s)'],
  'listen-without-port.yml': ['listen: "localhost" is not host:port'],
  'listen-port-out-of-range.yml': ['listen: "0.0.0.0:70000" is not host:port with a port from 0 to 65535'],
  'prefix-empty.yml': ['bullmq.prefix: String must contain at least 1 character(s)'],
  // multi-target mode
  'multitarget-allow-cidr.yml': ['multiTarget.allow.1: "10.0.0.0/40": CIDR prefix length out of range'],
  'multitarget-allow-not-host-port.yml': [
    'multiTarget.allow.0: "redis.internal:6379:1" is not host[:port] (IPv6 goes in brackets: [fd00::/8]:6379)',
  ],
  'multitarget-module-mixed.yml': [
    'multiTarget.modules.mixed.collectors: collectors of one module must read the same kind of target',
  ],
  'multitarget-default-module-kind.yml': [
    'multiTarget.modules.redis.collectors: module "redis" is the default for redis targets: its collectors must read redis',
  ],
  'multitarget-max-targets-zero.yml': ['multiTarget.maxTargets: Number must be greater than or equal to 1'],
  'multitarget-credentials-missing.yml': [
    'multiTarget.credentialsFile: /nonexistent/credentials.yml: cannot read (ENOENT)',
  ],
  'multitarget-credentials-bad.yml': [
    "multiTarget.credentialsFile: test/fixtures/multitarget/credentials-unknown-key.yml: redis-1.internal:6379: Unrecognized key(s) in object: 'pasword'",
  ],
  // found when the collectors are created (--check-config creates them too)
  'probe-ca-file-missing.yml': ['collectors.probes.targets.0.caFile: cannot read /nonexistent/ca.pem (ENOENT)'],
  's3-enabled-without-bucket.yml': ['collectors.s3.enabled: the S3 collector needs storage.s3.bucket (S3_BUCKET)'],
  'localstorage-enabled-without-path.yml': [
    'collectors.localstorage.enabled: the local storage collector needs storage.path (STORAGE_PATH)',
  ],
};

/** Values planted in fixtures that no message may repeat. */
const PLANTED = ['Planted-Secret-In-Broken-Yaml', 'hunter2hunter2', 'short-tok'];

type Run = { status: number | null; stdout: string; stderr: string };

/** Runs at most `limit` CLIs at once. */
async function runAll<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<Run>): Promise<Run[]> {
  const results: Run[] = new Array<Run>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

function expectRejected(run: Run, expected: readonly string[]): void {
  expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 2, stdout: '' });
  for (const text of expected) expect(run.stderr).toContain(text);
  // One line per problem, each saying so; no stack trace, no fatal crash.
  for (const line of run.stderr.trimEnd().split('\n')) expect(line).toMatch(/^config error: /);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  for (const secret of PLANTED) expect(run.stderr).not.toContain(secret);
}

const files = readdirSync(DIR).sort();

test('every fixture has its expected message, and every expected message its fixture', () => {
  expect(files).toEqual(Object.keys(EXPECTED).sort());
});

// The plain start gets no listen flag: it would override the listen setting some files break.
describe.each([
  ['--check-config', ['--check-config']],
  ['a plain start', []],
])('%s with each broken file', (_mode, flags) => {
  let runs: Map<string, Run>;
  beforeAll(async () => {
    const results = await runAll(files, 3, (file) => runCliAsync([...flags, '--config', path.join(DIR, file)]));
    runs = new Map(files.map((file, i) => [file, results[i]]));
  }, 120_000);

  test.each(Object.keys(EXPECTED).sort())('%s', (file) => {
    expectRejected(runs.get(file)!, EXPECTED[file]);
  });
});

describe('broken settings from the environment, flags and files around the config', () => {
  const tmp = tempDir('badcfg');
  afterAll(() => tmp.remove());
  const secretFile = path.join(tmp.dir, 'pw');
  writeFileSync(secretFile, 'Env-File-Secret-123\n');

  test.each<[string, string[], NodeJS.ProcessEnv, string[]]>([
    [
      'config file missing',
      ['--config', '/nonexistent/exporter.yml'],
      {},
      ['config file /nonexistent/exporter.yml: cannot read (ENOENT)'],
    ],
    ['config file is a folder', ['--config', '/tmp'], {}, ['config file /tmp: cannot read (EISDIR)']],
    ['unknown flag', ['--web.listen-adress=:9478'], {}, ['--web.listen-adress: unknown flag (see --help)']],
    ['flag without value', ['--bullmq.prefix'], {}, ['--bullmq.prefix: needs a value']],
    [
      'unknown collector flag',
      ['--collector.kafka'],
      {},
      ['collectors.kafka: unknown collector in flag --collector.kafka'],
    ],
    [
      'bad URL from the environment',
      [],
      { REDIS_URL: 'localhost:6379' },
      ['redis.url: scheme must be redis or rediss, not localhost (from env REDIS_URL)'],
    ],
    [
      'bad boolean from the environment',
      [],
      { S3_FORCE_PATH_STYLE: 'maybe' },
      ['storage.s3.forcePathStyle: Expected boolean, received string (from env S3_FORCE_PATH_STYLE)'],
    ],
    [
      'a secret and its _FILE both set',
      [],
      { REDIS_PASSWORD: 'Env-Direct-Secret-1', REDIS_PASSWORD_FILE: secretFile },
      ['redis.password: REDIS_PASSWORD and REDIS_PASSWORD_FILE are both set; use one'],
    ],
    [
      'a _FILE that cannot be read',
      [],
      { DATABASE_PASSWORD_FILE: '/nonexistent/pw' },
      ['postgres.password: DATABASE_PASSWORD_FILE: cannot read /nonexistent/pw (ENOENT)'],
    ],
    [
      'an AWS _FILE that cannot be read',
      [],
      { AWS_SECRET_ACCESS_KEY_FILE: '/nonexistent/key' },
      ['storage.s3: AWS_SECRET_ACCESS_KEY_FILE: cannot read /nonexistent/key (ENOENT)'],
    ],
  ])('%s', async (_name, args, env, expected) => {
    for (const mode of [['--check-config'], []]) {
      const run = await runCliAsync([...mode, ...args], env);
      expectRejected(run, expected);
      expect(run.stderr).not.toContain('Env-Direct-Secret-1');
      expect(run.stderr).not.toContain('Env-File-Secret-123');
    }
  });
});

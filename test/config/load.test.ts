import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../../src/config/args';
import { ConfigError } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { tempDir } from '../harness/process';

const tmp = tempDir('config');
afterAll(() => tmp.remove());

function file(name: string, text: string | Buffer): string {
  const p = path.join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
}

const load = (argv: string[] = [], env: NodeJS.ProcessEnv = {}) => loadConfig(parseArgs(argv), env);

/** The problems a failing load reports. */
function problems(argv: string[] = [], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    load(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a config error');
}

describe('config precedence: flags > environment > file > defaults', () => {
  const yaml = file(
    'c.yml',
    'listen: "127.0.0.1:1111"\nlogLevel: warn\nbullmq:\n  prefix: fromfile\n  queues: [a, b]\n',
  );

  test('defaults alone', () => {
    const { config } = load();
    expect(config.listen).toBe('0.0.0.0:9478');
    expect(config.bullmq).toEqual({ prefix: 'bull', queues: [] });
    expect(config.scrape).toEqual({ defaultTimeout: 10_000, timeoutOffset: 500 });
    expect(config.collectors.host.timeout).toBe(5000);
  });

  test('file over defaults, env over file, flags over env', () => {
    expect(load(['--config', yaml]).config).toMatchObject({
      listen: '127.0.0.1:1111',
      logLevel: 'warn',
      bullmq: { prefix: 'fromfile', queues: ['a', 'b'] },
    });
    const env = { JOBSTACK_LISTEN: '127.0.0.1:2222', BULLMQ_QUEUES: 'x, y ,z' };
    expect(load(['--config', yaml], env).config).toMatchObject({
      listen: '127.0.0.1:2222',
      logLevel: 'warn',
      bullmq: { prefix: 'fromfile', queues: ['x', 'y', 'z'] },
    });
    expect(
      load(['--config', yaml, '--web.listen-address=127.0.0.1:3333', '--bullmq.prefix', 'flag'], env).config,
    ).toMatchObject({
      listen: '127.0.0.1:3333',
      bullmq: { prefix: 'flag', queues: ['x', 'y', 'z'] },
    });
  });

  test("the host's /proc, /sys and / (node_exporter's --path.*): defaults, environment, flags", () => {
    expect(load().config.collectors.host).toMatchObject({ procPath: '/proc', sysPath: '/sys', rootPath: '/' });
    const env = {
      JOBSTACK_PATH_PROCFS: '/host/proc',
      JOBSTACK_PATH_SYSFS: '/host/sys',
      JOBSTACK_PATH_ROOTFS: '/host/root',
    };
    expect(load([], env).config.collectors.host).toMatchObject({
      procPath: '/host/proc',
      sysPath: '/host/sys',
      rootPath: '/host/root',
    });
    expect(load(['--path.sysfs', '/mnt/sys'], env).config.collectors.host.sysPath).toBe('/mnt/sys');
  });

  test('JOBSTACK_CONFIG names the file when --config is absent', () => {
    expect(load([], { JOBSTACK_CONFIG: yaml }).config.logLevel).toBe('warn');
  });

  test('collector toggles from file and flags', () => {
    const f = file('toggle.yml', 'collectors:\n  host:\n    enabled: false\n    timeout: 2s\n');
    expect(load(['--config', f]).config.collectors.host).toMatchObject({ enabled: false, timeout: 2000 });
    expect(load(['--config', f, '--collector.host']).config.collectors.host.enabled).toBe(true);
    expect(load(['--no-collector.host']).config.collectors.host.enabled).toBe(false);
  });

  test('secrets from NAME_FILE, with the trailing newline dropped', () => {
    const secret = file('redis-url', 'redis://:s3cret-from-file@10.0.0.1:6380/2\n');
    expect(load([], { REDIS_URL_FILE: secret }).config.redis.url).toBe('redis://:s3cret-from-file@10.0.0.1:6380/2');
  });

  test('AWS *_FILE variables become explicit S3 credentials; the environment is never written', () => {
    const env: NodeJS.ProcessEnv = {
      AWS_ACCESS_KEY_ID: 'AKIAFROMENV',
      AWS_SECRET_ACCESS_KEY_FILE: file('aws', 'aws-secret-value\n'),
    };
    const before = { ...env };
    expect(load([], env).awsCredentials).toEqual({ accessKeyId: 'AKIAFROMENV', secretAccessKey: 'aws-secret-value' });
    expect(env).toEqual(before);
    // Keys only in variables stay with the SDK's default chain.
    expect(
      load([], { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret-in-env' }).awsCredentials,
    ).toBeUndefined();
  });

  test('booleans from the environment', () => {
    expect(load([], { S3_FORCE_PATH_STYLE: 'true' }).config.storage.s3.forcePathStyle).toBe(true);
    expect(load([], { S3_FORCE_PATH_STYLE: '0' }).config.storage.s3.forcePathStyle).toBe(false);
  });

  test('the result is frozen', () => {
    const { config } = load();
    expect(Object.isFrozen(config.collectors.host)).toBe(true);
  });
});

describe('validation: one line per problem, naming the field', () => {
  test.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    [
      'unknown key',
      ['--config', file('unknown.yml', 'redis:\n  urll: redis://x\n')],
      {},
      /^redis\.urll: unknown setting/,
    ],
    ['unknown top-level key', ['--config', file('unknown2.yml', 'listne: ":1"\n')], {}, /^listne: unknown setting/],
    [
      'wrong type',
      ['--config', file('type.yml', 'bullmq:\n  queues: 5\n')],
      {},
      /^bullmq\.queues: Expected array, received number/,
    ],
    ['malformed URL', [], { REDIS_URL: 'not a url' }, /^redis\.url: not a valid URL .*\(from env REDIS_URL\)/],
    ['wrong URL scheme', [], { DATABASE_URL: 'mysql://db/x' }, /^postgres\.url: scheme must be postgres or postgresql/],
    [
      'bad duration',
      ['--scrape.default-timeout', '10 seconds'],
      {},
      /^scrape\.defaultTimeout: "10 seconds" is not a duration.*\(from flag --scrape\.default-timeout\)/,
    ],
    [
      'negative duration',
      ['--config', file('neg.yml', 'scrape:\n  timeoutOffset: -5s\n')],
      {},
      /^scrape\.timeoutOffset: "-5s" is not a duration/,
    ],
    [
      'duration out of range',
      ['--config', file('range.yml', 'collectors:\n  host:\n    timeout: 1h\n')],
      {},
      /^collectors\.host\.timeout: 1h is out of range/,
    ],
    ['port out of range', [], { JOBSTACK_LISTEN: '0.0.0.0:70000' }, /^listen: "0.0.0.0:70000" is not host:port/],
    ['bad enum', [], { JOBSTACK_LOG_LEVEL: 'verbose' }, /^logLevel: Invalid enum value/],
    [
      'bad boolean',
      [],
      { S3_FORCE_PATH_STYLE: 'maybe' },
      /^storage\.s3\.forcePathStyle: Expected boolean, received string \(from env S3_FORCE_PATH_STYLE\)/,
    ],
    [
      'bad regex',
      ['--config', file('re.yml', 'collectors:\n  host:\n    fsTypesExclude: "(("\n')],
      {},
      /^collectors\.host\.fsTypesExclude: not a valid regular expression/,
    ],
    ['unknown flag', ['--redis.adress', 'x'], {}, /^--redis\.adress: unknown flag/],
    ['flag without value', ['--bullmq.prefix'], {}, /^--bullmq\.prefix: needs a value/],
    ['stray argument', ['serve'], {}, /^unexpected argument "serve"/],
    [
      'unknown collector',
      ['--collector.mongo'],
      {},
      /^collectors\.mongo: unknown collector in flag --collector\.mongo/,
    ],
    ['YAML syntax error', ['--config', file('syntax.yml', 'listen: [\n  a: b\n')], {}, /YAML syntax error at line \d+/],
    ['empty file', ['--config', file('empty.yml', '  \n')], {}, /is empty/],
    ['not a mapping', ['--config', file('list.yml', '- a\n- b\n')], {}, /top level must be a mapping/],
    [
      'binary garbage',
      ['--config', file('garbage.yml', Buffer.from([0x00, 0xff, 0xfe, 0x12, 0x80, 0x0a, 0x3a, 0x3a]))],
      {},
      /config file .*garbage\.yml/,
    ],
    ['missing file', ['--config', '/nonexistent/c.yml'], {}, /cannot read \(ENOENT\)/],
    [
      'both NAME and NAME_FILE',
      [],
      { REDIS_URL: 'redis://a', REDIS_URL_FILE: '/x' },
      /REDIS_URL and REDIS_URL_FILE are both set/,
    ],
    [
      'unreadable NAME_FILE',
      [],
      { DATABASE_URL_FILE: '/nonexistent/secret' },
      /^postgres\.url: DATABASE_URL_FILE: cannot read/,
    ],
  ])('%s', (_name, argv, env, expected) => {
    const found = problems(argv, env);
    expect(found.some((p) => expected.test(p))).toBe(true);
  });

  test('several problems are all reported, one line each', () => {
    const f = file('three.yml', 'logLevel: 3\nbogus: true\nredis:\n  url: "http//nope"\n');
    const found = problems(['--config', f]);
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toMatch(/logLevel/);
    expect(found.join('\n')).toMatch(/bogus: unknown setting/);
    expect(found.join('\n')).toMatch(/redis\.url: not a valid URL/);
  });

  test('a bad URL message never repeats the URL (it may hold a password)', () => {
    const found = problems([], { REDIS_URL: 'redis//:hunter2hunter2@host' });
    expect(found.join('\n')).not.toContain('hunter2');
  });
});

import { parseArgs } from '../../src/config/args';
import { ConfigError } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { redactedConfigYaml } from '../../src/config/redacted';
import { clusterEnabled, seedUrls } from '../../src/clients/redis-endpoint';

/** Redis Cluster settings: seed URLs, redis.cluster, and the INFO answer that turns cluster mode on. */

const load = (env: NodeJS.ProcessEnv) => loadConfig(parseArgs([]), env).config;

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a config error');
}

test.each([
  [undefined, ['redis://127.0.0.1:6379']],
  ['redis://a:7000', ['redis://a:7000']],
  ['redis://a:7000,redis://b:7001', ['redis://a:7000', 'redis://b:7001']],
  [' redis://a:7000 , , rediss://b:7001 ', ['redis://a:7000', 'rediss://b:7001']],
])('seed URLs of %p', (url, seeds) => {
  expect(seedUrls(url)).toEqual(seeds);
});

test.each([
  ['# Cluster\r\ncluster_enabled:1\r\n', true],
  ['# Cluster\ncluster_enabled:1', true],
  ['# Cluster\r\ncluster_enabled:0\r\n', false],
  ['cluster_enabled:10\r\n', false],
  ['', false],
])('INFO %p says cluster mode: %p', (info, expected) => {
  expect(clusterEnabled(info)).toBe(expected);
});

test('several seed URLs are accepted, each validated, and redacted one by one', () => {
  const config = load({ REDIS_URL: 'redis://:s3cret@10.0.0.1:7000,redis://:s3cret@10.0.0.2:7001' });
  expect(config.redis.url).toBe('redis://:s3cret@10.0.0.1:7000,redis://:s3cret@10.0.0.2:7001');
  const shown = redactedConfigYaml(config);
  expect(shown).not.toContain('s3cret');
  expect(shown).toContain('redis://:***@10.0.0.1:7000,redis://:***@10.0.0.2:7001');
  expect(problems({ REDIS_URL: 'redis://a:7000,http://b:7001' })).toEqual([
    'redis.url: URL 2 of 2: scheme must be redis or rediss, not http (from env REDIS_URL)',
  ]);
});

test('redis.cluster: REDIS_CLUSTER sets it; false with several seeds is refused, naming the field', () => {
  expect(load({ REDIS_URL: 'redis://a:7000', REDIS_CLUSTER: 'true' }).redis.cluster).toBe(true);
  expect(load({ REDIS_URL: 'redis://a:7000' }).redis.cluster).toBeUndefined();
  const [problem] = problems({ REDIS_URL: 'redis://a:7000,redis://b:7001', REDIS_CLUSTER: 'false' });
  expect(problem).toMatch(/^redis\.cluster: is false but redis\.url lists several nodes/);
});

import { parseArgs } from '../../src/config/args';
import { ConfigError } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { runCliAsync } from '../harness/exporter';

/** A malformed URL in any URL setting: a config problem naming the setting and its source, never the value. */

function problems(env: NodeJS.ProcessEnv, argv: string[] = []): string[] {
  try {
    loadConfig(parseArgs(argv), env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

test.each([
  ['REDIS_URL', 'redis://default:pa%ss@127.0.0.1:6379', 'redis.url', 'password'],
  ['REDIS_URL', 'redis://us%er:secret-pw@127.0.0.1:6379', 'redis.url', 'user name'],
  ['DATABASE_URL', 'postgres://exporter:pw%zzsecret@127.0.0.1/jobs', 'postgres.url', 'password'],
  ['DATABASE_URL', 'postgres://exporter@127.0.0.1/jo%zzbs', 'postgres.url', 'path'],
  ['S3_ENDPOINT', 'http://minio:9000/%zz', 'storage.s3.endpoint', 'path'],
  ['PROBE_TARGETS', 'api=http://user:pa%ss@127.0.0.1/health', 'collectors.probes.targets.0.url', 'password'],
])('%s=%s is refused as %s', (variable, value, setting, part) => {
  const found = problems({ [variable]: value, ...(variable === 'S3_ENDPOINT' ? { S3_BUCKET: 'bucket' } : {}) });
  expect(found).toHaveLength(1);
  expect(found[0]).toContain(`${setting}: malformed percent-encoding in the URL's ${part}`);
  expect(found[0]).toContain(`env ${variable}`);
  expect(found[0]).not.toContain(value);
  expect(found[0]).not.toMatch(/pa%ss|%zz/);
});

test('well-formed escapes are accepted', () => {
  expect(
    problems({
      REDIS_URL: 'redis://default:p%25ss%40w@127.0.0.1:6379',
      DATABASE_URL: 'postgres://exporter:p%20w@127.0.0.1/jobs',
    }),
  ).toEqual([]);
});

test('the built CLI exits 2 naming redis.url (not a fatal "URI malformed", exit 1)', async () => {
  const res = await runCliAsync(['--check-config'], { REDIS_URL: 'redis://default:pa%ss@127.0.0.1:6379' });
  expect(res.status).toBe(2);
  expect(res.stderr).toMatch(
    /^config error: redis\.url: malformed percent-encoding in the URL's password .*\(from env REDIS_URL\)\n$/,
  );
  expect(res.stderr).not.toContain('pa%ss');
});

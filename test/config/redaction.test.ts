import { parseArgs } from '../../src/config/args';
import { loadConfig } from '../../src/config/load';
import { redactedConfigYaml } from '../../src/config/redacted';
import { createLogger } from '../../src/log/logger';
import { Redactor } from '../../src/log/redact';

describe('secret redaction', () => {
  const env = {
    REDIS_URL: 'redis://app:p%40ss-redis-1@10.1.1.1:6379/3',
    REDIS_PASSWORD: 'override-redis-2',
    DATABASE_URL: 'postgres://jobs:pg-secret-3@db.internal:5432/jobs',
    AWS_SECRET_ACCESS_KEY: 'aws-secret-key-4',
  };

  test('--check-config output shows the config with every secret replaced', () => {
    const { config } = loadConfig(parseArgs([]), { ...env });
    const text = redactedConfigYaml(config);
    for (const secret of ['p%40ss-redis-1', 'p@ss-redis-1', 'override-redis-2', 'pg-secret-3', 'aws-secret-key-4'])
      expect(text).not.toContain(secret);
    expect(text).toContain('redis://app:***@10.1.1.1:6379/3');
    expect(text).toContain('postgres://jobs:***@db.internal:5432/jobs');
    expect(text).toMatch(/password: "\*\*\*"/);
    expect(text).toContain('defaultTimeout: 10s');
  });

  test('the loader lists every secret: URL passwords (targets too), passwords, token, keys, PGPASSWORD', () => {
    const { secrets } = loadConfig(parseArgs([]), {
      ...env,
      PGPASSWORD: 'libpq-secret-5',
      JOBSTACK_BEARER_TOKEN: 'bearer-token-6-of-some-length',
      PROBE_TARGETS: 'health=http://u:probe-secret-7@api.internal/health',
      APP_TARGETS: 'api=http://u:app-secret-8@api.internal:9464/metrics/snapshot',
    });
    for (const secret of ['p%40ss-redis-1', 'override-redis-2', 'pg-secret-3', 'aws-secret-key-4', 'libpq-secret-5'])
      expect(secrets).toContain(secret);
    for (const secret of ['bearer-token-6-of-some-length', 'probe-secret-7', 'app-secret-8'])
      expect(secrets).toContain(secret);
  });

  test('log lines and error messages scrub registered secrets, encoded or not, and URL userinfo', () => {
    const redactor = new Redactor();
    for (const secret of loadConfig(parseArgs([]), { ...env }).secrets) redactor.register(secret);
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l), {}, redactor);
    log.error('connect failed', {
      url: env.REDIS_URL,
      detail: new Error('auth failed for p@ss-redis-1'),
      nested: { pw: 'override-redis-2' },
    });
    log.warn('aws says aws-secret-key-4 is bad');
    log.info('some other url http://u:whatever@host/x');
    const all = lines.join('\n');
    for (const secret of ['p%40ss-redis-1', 'p@ss-redis-1', 'override-redis-2', 'aws-secret-key-4', 'whatever'])
      expect(all).not.toContain(secret);
    expect(lines.every((l) => JSON.parse(l).ts)).toBe(true);
    expect(redactor.errorMessage(new Error('WRONGPASS pg-secret-3\n at x'))).toBe('WRONGPASS *** at x');
  });

  test('redact leaves ordinary text alone', () => {
    expect(new Redactor().redact('queue "emails" has 3 jobs')).toBe('queue "emails" has 3 jobs');
  });

  test('each redactor holds its own secrets: nothing is shared through module state', () => {
    const a = new Redactor();
    a.register('only-in-a-9');
    expect(a.redact('x only-in-a-9')).toBe('x ***');
    expect(new Redactor().redact('x only-in-a-9')).toBe('x only-in-a-9');
  });
});

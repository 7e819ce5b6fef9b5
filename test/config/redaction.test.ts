import { parseArgs } from '../../src/config/args';
import { loadConfig } from '../../src/config/load';
import { redactedConfigYaml } from '../../src/config/redacted';
import { createLogger } from '../../src/log/logger';
import { clearSecrets, errorMessage, redact } from '../../src/log/redact';

afterEach(() => clearSecrets());

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

  test('log lines and error messages scrub registered secrets, encoded or not, and URL userinfo', () => {
    loadConfig(parseArgs([]), { ...env });
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
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
    expect(errorMessage(new Error('WRONGPASS pg-secret-3\n at x'))).toBe('WRONGPASS *** at x');
  });

  test('redact leaves ordinary text alone', () => {
    expect(redact('queue "emails" has 3 jobs')).toBe('queue "emails" has 3 jobs');
  });
});

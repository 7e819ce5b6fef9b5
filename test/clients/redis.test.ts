import { connectionOptions, DEFAULT_REDIS_URL } from '../../src/clients/redis';
import { deadlineMargin } from '../../src/runner/deadline';
import { clearSecrets, redact } from '../../src/log/redact';

afterAll(() => clearSecrets());

describe('connectionOptions', () => {
  test.each([
    ['default', undefined, undefined, { host: '127.0.0.1', port: 6379, db: 0 }],
    [
      'host, port and database',
      'redis://cache.internal:6380/3',
      undefined,
      { host: 'cache.internal', port: 6380, db: 3 },
    ],
    ['password only', 'redis://:s%40cret%3Apw@h', undefined, { host: 'h', port: 6379, db: 0, password: 's@cret:pw' }],
    [
      'ACL user and password',
      'redis://exporter:pw%2F1@h:1/0',
      undefined,
      { host: 'h', port: 1, db: 0, username: 'exporter', password: 'pw/1' },
    ],
    [
      'password setting overrides the URL',
      'redis://u:old@h',
      'new-password',
      { host: 'h', port: 6379, db: 0, username: 'u', password: 'new-password' },
    ],
    ['IPv6', 'redis://[::1]:7000', undefined, { host: '::1', port: 7000, db: 0 }],
    [
      'TLS with SNI',
      'rediss://redis.example.com:6380',
      undefined,
      { host: 'redis.example.com', port: 6380, db: 0, tls: { servername: 'redis.example.com' } },
    ],
    ['TLS to an IP: no SNI', 'rediss://10.0.0.1', undefined, { host: '10.0.0.1', port: 6379, db: 0, tls: {} }],
  ])('%s', (_name, url, password, expected) => {
    expect(connectionOptions({ url, password })).toEqual(expected);
  });

  test.each([
    ['redis://h/abc', /database number/],
    ['http://h', /scheme/],
  ])('%s is refused', (url, message) => {
    expect(() => connectionOptions({ url })).toThrow(message);
  });

  test('the password becomes a secret that redact() scrubs', () => {
    connectionOptions({ url: 'redis://u:Hunter2-Secret@h' });
    expect(redact('AUTH failed for Hunter2-Secret')).toBe('AUTH failed for ***');
  });

  test('the default URL is the local Redis', () => {
    expect(DEFAULT_REDIS_URL).toBe('redis://127.0.0.1:6379');
  });
});

test.each([
  [10_000, 250],
  [1000, 100],
  [100, 20],
  [0, 20],
])('deadlineMargin(%i) = %i', (remaining, margin) => {
  expect(deadlineMargin(remaining)).toBe(margin);
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { INFO_METRICS, parseInfo, parseKeyspace, setInfoMetrics } from '../../../src/collectors/redis/info';
import { redisMetrics as m } from '../../../src/collectors/redis/metrics';
import { MetricBatch } from '../../../src/metrics/batch';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { renderBatch } from '../../harness/collect';

/** INFO captured from redis-server 7.0.15: a master with one replica, and that replica. */
const fixture = (name: string) => readFileSync(path.join(__dirname, '../../fixtures/redis', name), 'utf8');

describe('parseInfo', () => {
  test.each([
    [
      'sections and blank lines are skipped',
      '# Server\r\nredis_version:7.0.15\r\n\r\n# Clients\r\nconnected_clients:3\r\n',
      { redis_version: '7.0.15', connected_clients: '3' },
    ],
    [
      'values keep their colons',
      'executable:/usr/bin/redis-server\nconfig_file:\nmaster_host:::1\n',
      { executable: '/usr/bin/redis-server', config_file: '', master_host: '::1' },
    ],
    ['lines without a key are ignored', ':nokey\nnocolon\nk:v\n', { k: 'v' }],
  ])('%s', (_name, text, expected) => {
    expect(Object.fromEntries(parseInfo(text))).toEqual(expected);
  });
});

test('parseKeyspace reads every dbN line', () => {
  const fields = parseInfo(
    '# Keyspace\ndb0:keys=12,expires=3,avg_ttl=100\ndb15:keys=1,expires=0,avg_ttl=0\ndbx:keys=1\n',
  );
  expect(parseKeyspace(fields)).toEqual([
    { db: '0', keys: 12, expires: 3 },
    { db: '15', keys: 1, expires: 0 },
  ]);
});

test('every mapped field exists in the INFO of Redis 7 (a master, or a replica for master_link_status)', () => {
  const master = parseInfo(fixture('info-master.txt'));
  const replica = parseInfo(fixture('info-replica.txt'));
  for (const [field] of INFO_METRICS)
    expect({ field, present: master.has(field) || replica.has(field) }).toEqual({ field, present: true });
});

describe('setInfoMetrics', () => {
  test('a master: values, keyspace, instance info; no master link', () => {
    const out = new MetricBatch();
    setInfoMetrics(out, parseInfo(fixture('info-master.txt')));
    expect(out.get(m.connectedReplicas)).toBe(1);
    expect(out.get(m.maxClients)).toBe(10000);
    expect(out.get(m.masterLinkUp)).toBeUndefined();
    expect(out.get(m.rdbLastBgsaveOk)).toBe(1);
    expect(out.get(m.memoryUsed)).toBeGreaterThan(0);
    expect(out.get(m.commandsProcessed)).toBeGreaterThan(0);
    expect(out.get(m.dbKeys, { db: '2' })).toBe(1);
    expect(out.get(m.dbKeysExpiring, { db: '2' })).toBe(1);
    expect(out.get(m.dbKeysExpiring, { db: '0' })).toBe(0);
    expect(out.samples(m.instanceInfo)[0].labels).toEqual({
      redis_version: '7.0.15',
      role: 'master',
      mode: 'standalone',
      maxmemory_policy: 'noeviction',
    });
    const text = renderBatch(out);
    expect(promtoolCheckMetrics(text)).toBe('');
  });

  test('a replica: master link up', () => {
    const out = new MetricBatch();
    setInfoMetrics(out, parseInfo(fixture('info-replica.txt')));
    expect(out.get(m.masterLinkUp)).toBe(1);
    expect(out.samples(m.instanceInfo)[0].labels.role).toBe('slave');
  });

  test.each([
    ['master_link_status:down', m.masterLinkUp, 0],
    ['rdb_last_bgsave_status:err', m.rdbLastBgsaveOk, 0],
    ['mem_fragmentation_ratio:1.25', m.fragmentation, 1.25],
    ['used_cpu_sys:12.5', m.cpuSys, 12.5],
  ] as const)('%s', (line, def, expected) => {
    const out = new MetricBatch();
    setInfoMetrics(out, parseInfo(line));
    expect(out.get(def)).toBe(expected);
  });

  test('Redis 6 INFO has no maxclients: redis_config_maxclients is absent (not 0), rejected connections still read', () => {
    const redis6 = fixture('info-master.txt')
      .replace(/^maxclients:.*\r?\n/m, '')
      .replace(/redis_version:7\.0\.15/, 'redis_version:6.2.14');
    expect(redis6).not.toContain('maxclients');
    const out = new MetricBatch();
    setInfoMetrics(out, parseInfo(redis6));
    expect(out.get(m.maxClients)).toBeUndefined();
    expect(out.get(m.connectedClients)).toBeGreaterThan(0);
    expect(out.get(m.rejectedConnections)).toBe(0);
    // Documented where the alert is read: the runbook and the collector's page.
    const root = path.join(__dirname, '../../..');
    const runbook = readFileSync(path.join(root, 'docs/runbooks.md'), 'utf8').split('## RedisClientsNearMax')[1];
    expect(runbook.split('\n## ')[0]).toMatch(/before 7, INFO has no maxclients.*RedisRejectedConnections/s);
    expect(readFileSync(path.join(root, 'docs/collectors/redis.md'), 'utf8')).toMatch(
      /Redis 6 has no\s+`maxclients` in INFO/,
    );
  });

  test('a missing or non-numeric field leaves its metric out', () => {
    const out = new MetricBatch();
    setInfoMetrics(out, parseInfo('connected_clients:lots\n'));
    expect(out.get(m.connectedClients)).toBeUndefined();
    expect(out.get(m.uptime)).toBeUndefined();
  });
});

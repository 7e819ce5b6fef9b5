import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { startAlertmanager } from './alertmanager';
import { startPostgres } from './postgres';
import { startRedis } from './redis';
import { S3RVER_CREDENTIALS, startS3 } from './s3';
import { canConnect } from './process';

/** The harness itself: each server really starts, answers, and is gone after stop. */
describe('test harness', () => {
  test('redis-server with a password', async () => {
    const redis = await startRedis({ password: 'harness-pw' });
    const client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await redis.stop();
    expect(await canConnect(redis.port)).toBe(false);
  });

  test('PostgreSQL via initdb, halted and restarted', async () => {
    const pg = await startPostgres();
    expect(await pg.sql('select 1 as one')).toEqual([{ one: 1 }]);
    await pg.halt();
    expect(await canConnect(pg.port)).toBe(false);
    await pg.restart();
    expect(await pg.sql('select current_user as u')).toEqual([{ u: 'postgres' }]);
    await pg.stop();
  });

  test('s3rver with a bucket', async () => {
    const s3 = await startS3(['harness-bucket']);
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    await expect(client.send(new HeadBucketCommand({ Bucket: 'harness-bucket' }))).resolves.toBeDefined();
    client.destroy();
    await s3.stop();
    expect(await canConnect(s3.port)).toBe(false);
  });

  test('alertmanager', async () => {
    const am = await startAlertmanager('route: {receiver: none}\nreceivers: [{name: none}]\n');
    const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as { config: { original: string } };
    expect(status.config.original).toContain('receiver: none');
    await am.stop();
  });
});

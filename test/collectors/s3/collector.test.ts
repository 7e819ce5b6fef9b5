import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Collector } from '../../../src/collectors/s3/collector';
import { countObjects } from '../../../src/collectors/s3/listing';
import { s3Metrics as m } from '../../../src/collectors/s3/metrics';
import { configSchema, type ConfigInput } from '../../../src/config/schema';
import { createLogger, type Logger } from '../../../src/log/logger';
import { clearSecrets, registerSecret } from '../../../src/log/redact';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { waitFor } from '../../harness/process';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../../harness/s3';
import { renderBatch, runOnce } from '../../harness/collect';

const BUCKET = 'jobs-bucket';
const SEEDED = 2600;
/** Object i holds i % 100 bytes. */
const seededBytes = Array.from({ length: SEEDED }, (_, i) => i % 100).reduce((a, b) => a + b, 0);

let s3: S3Server;
const logLines: string[] = [];
const log: Logger = createLogger('debug', (line) => logLines.push(line));
const open: S3Collector[] = [];

beforeAll(async () => {
  s3 = await startS3([BUCKET, 'empty-bucket']);
  s3.seed(
    BUCKET,
    Array.from({ length: SEEDED }, (_, i) => ({ key: `uploads/${i % 7}/file-${i}`, body: 'x'.repeat(i % 100) })),
  );
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  for (const [key, body] of [
    ['reports/a.csv', 'abc'],
    ['reports/b.csv', 'defg'],
    ['reports/c.csv', ''],
    ['top.txt', '12345'],
  ] as const) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from(body) }));
  }
  client.destroy();
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await s3?.stop();
  clearSecrets();
});

type S3Section = NonNullable<NonNullable<ConfigInput['collectors']>['s3']>;

function collector(
  section: S3Section = {},
  bucket = BUCKET,
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined = S3RVER_CREDENTIALS,
): S3Collector {
  const config = configSchema.parse({
    storage: { s3: { bucket, endpoint: s3.endpoint, forcePathStyle: true } },
    collectors: { s3: section },
  });
  const c = new S3Collector(config.collectors.s3, config.storage.s3, log, { credentials });
  open.push(c);
  return c;
}

const scrape = (c: S3Collector, budgetMs = 3000) => runOnce(c, budgetMs, { timeoutMs: 5000, log });

describe('S3 collector', () => {
  test('paginated listing counts every object and byte per prefix (more than 2,500 objects)', async () => {
    const c = collector({ prefixes: ['', 'uploads/', 'reports/', 'nothing-here/'] });
    const before = Date.now() / 1000;
    await c.refreshListings();
    const o = await scrape(c);
    expect(o.error).toBeUndefined();
    const get = (def: Parameters<typeof o.batch.get>[0], prefix: string) =>
      o.batch.get(def as typeof m.objects, { bucket: BUCKET, prefix });
    expect(o.batch.get(m.up)).toBe(1);
    expect(o.batch.get(m.headBucketDuration)!).toBeGreaterThan(0);
    expect(get(m.objects, '')).toBe(SEEDED + 4);
    expect(get(m.objectsSize, '')).toBe(seededBytes + 3 + 4 + 0 + 5);
    expect(get(m.objects, 'uploads/')).toBe(SEEDED);
    expect(get(m.objectsSize, 'uploads/')).toBe(seededBytes);
    expect(get(m.objects, 'reports/')).toBe(3);
    expect(get(m.objectsSize, 'reports/')).toBe(7);
    expect(get(m.objects, 'nothing-here/')).toBe(0);
    expect(get(m.listingTruncated, '')).toBe(0);
    expect(get(m.listingSuccess, '')).toBe(1);
    expect(get(m.listingLastSuccess, '')!).toBeGreaterThanOrEqual(before);
    expect(get(m.listingLastSuccess, '')!).toBeLessThanOrEqual(Date.now() / 1000);
    expect(get(m.listingDuration, '')!).toBeGreaterThan(0);
    expect(m.objects.help).toMatch(/Cached: counted by a background listing/);

    const text = renderBatch(o.batch);
    expect(promtoolCheckMetrics(text)).toBe('');
  });

  test('ListObjectsV2 pages of 1,000, and the cap stops the listing with truncated set', async () => {
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    try {
      const signal = new AbortController().signal;
      expect(await countObjects(client, BUCKET, 'uploads/', 100_000, signal)).toEqual({
        objects: SEEDED,
        bytes: seededBytes,
        truncated: false,
        requests: 3,
      });
      expect(await countObjects(client, BUCKET, 'uploads/', 1500, signal)).toMatchObject({
        objects: 1500,
        truncated: true,
        requests: 2,
      });
      expect(await countObjects(client, BUCKET, 'uploads/', SEEDED, signal)).toMatchObject({
        objects: SEEDED,
        truncated: false,
      });
    } finally {
      client.destroy();
    }
    const c = collector({ maxObjects: 1000 });
    await c.refreshListings();
    const o = await scrape(c);
    expect(o.batch.get(m.objects, { bucket: BUCKET, prefix: '' })).toBe(1000);
    expect(o.batch.get(m.listingTruncated, { bucket: BUCKET, prefix: '' })).toBe(1);
  });

  test('the first scrape starts the background listing; later scrapes publish it', async () => {
    const c = collector({ listInterval: '10s' });
    const first = await scrape(c);
    expect(first.batch.get(m.up)).toBe(1);
    await waitFor(
      'listing published',
      async () => (await scrape(c)).batch.get(m.objects, { bucket: BUCKET, prefix: '' }) === SEEDED + 4,
      20_000,
      100,
    );
  });

  test('an empty bucket reads 0 objects', async () => {
    const c = collector({}, 'empty-bucket');
    await c.refreshListings();
    const o = await scrape(c);
    expect(o.batch.get(m.objects, { bucket: 'empty-bucket', prefix: '' })).toBe(0);
    expect(o.batch.get(m.objectsSize, { bucket: 'empty-bucket', prefix: '' })).toBe(0);
  });

  test('missing bucket: s3_up 0 with the status, and the listing failure is reported', async () => {
    const c = collector({}, 'no-such-bucket');
    await c.refreshListings();
    const o = await scrape(c);
    expect(o.batch.get(m.up)).toBe(0);
    expect(o.error).toMatch(/HeadBucket no-such-bucket: HTTP 404 NotFound/);
    expect(o.batch.families.has(m.objects.name)).toBe(false);
    expect(logLines.join('\n')).toMatch(/S3 listing of no-such-bucket\/ failed.*NoSuchBucket/);
  });

  test('wrong credentials: s3_up 0, and the secret key appears in no error or log line', async () => {
    const secret = 'wrong-Secret-Key-0042';
    registerSecret(secret);
    logLines.length = 0;
    // s3rver checks the access key id (it does not verify SigV4 signatures), so the key id is wrong too.
    const c = collector({}, BUCKET, { accessKeyId: 'NOT-A-KEY', secretAccessKey: secret });
    await c.refreshListings();
    const o = await scrape(c);
    expect(o.batch.get(m.up)).toBe(0);
    expect(o.error).toMatch(/HTTP 403/);
    expect(logLines.join('\n')).toMatch(/InvalidAccessKeyId/);
    for (const text of [o.error!, ...logLines]) expect(text).not.toContain(secret);
  });

  test('credentials from the SDK default chain (AWS_* environment)', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
    try {
      expect((await scrape(collector({}, BUCKET, undefined))).batch.get(m.up)).toBe(1);
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.key === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.key;
    }
  });

  test('endpoint down: s3_up 0 within the deadline; back up, the cached listing reappears with its old timestamp', async () => {
    const c = collector();
    await c.refreshListings();
    const stamp = (await scrape(c)).batch.get(m.listingLastSuccess, { bucket: BUCKET, prefix: '' });
    expect(stamp).toBeDefined();
    await s3.halt();
    try {
      // The first attempt may reuse the kept-alive socket the server just dropped ("socket hang up").
      for (const errorPattern of [/ECONNREFUSED|socket hang up|ECONNRESET/, /ECONNREFUSED/]) {
        const down = await scrape(c, 1000);
        expect(down.batch.get(m.up)).toBe(0);
        expect(down.error).toMatch(errorPattern);
        expect(down.batch.families.has(m.objects.name)).toBe(false);
      }
    } finally {
      await s3.restart();
    }
    const back = await scrape(c);
    expect(back.batch.get(m.up)).toBe(1);
    expect(back.batch.get(m.listingLastSuccess, { bucket: BUCKET, prefix: '' })).toBe(stamp);
  });
});

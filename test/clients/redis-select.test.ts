import Redis from 'ioredis';
import { RedisClient } from '../../src/clients/redis';
import { createLogger } from '../../src/log/logger';
import { startRedis, type RedisServer } from '../harness/redis';

/**
 * The database number of a Redis URL must be the database read. ioredis ignores a refused
 * SELECT and stays on database 0, so a missing `+select` in the ACL, or a database number the
 * server does not have, made the exporter read database 0 without an error.
 */

const ADMIN = 'select-Admin-1';
let redis: RedisServer;
let admin: Redis;
const lines: string[] = [];
const log = createLogger('debug', (line) => lines.push(line));

beforeAll(async () => {
  redis = await startRedis({ password: ADMIN });
  admin = new Redis({ port: redis.port, password: ADMIN, lazyConnect: true });
  await admin.connect();
  await admin.set('where', 'db0');
  await admin.select(2);
  await admin.set('where', 'db2');
  await admin.call(
    'ACL',
    'SETUSER',
    'noselect',
    'on',
    '>noselect-Pass-1',
    '~*',
    '-@all',
    '+get',
    '+info',
    '+client|setname',
  );
  await admin.call(
    'ACL',
    'SETUSER',
    'withselect',
    'on',
    '>withselect-Pass-1',
    '~*',
    '-@all',
    '+get',
    '+info',
    '+client|setname',
    '+select',
  );
});

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

async function readWhere(url: string): Promise<unknown> {
  const client = new RedisClient({ url }, { name: 'select-test', log, reconnectIntervalMs: 0 });
  try {
    return await client.call(Date.now() + 3000, ['get', 'where']);
  } finally {
    await client.close();
  }
}

test('the URL database is read when it may be selected', async () => {
  expect(await readWhere(`redis://withselect:withselect-Pass-1@127.0.0.1:${redis.port}/2`)).toBe('db2');
  expect(await readWhere(`redis://:${ADMIN}@127.0.0.1:${redis.port}/2`)).toBe('db2');
  expect(await readWhere(`redis://:${ADMIN}@127.0.0.1:${redis.port}`)).toBe('db0');
});

test('a refused SELECT (no +select) fails the connection instead of reading database 0', async () => {
  await expect(readWhere(`redis://noselect:noselect-Pass-1@127.0.0.1:${redis.port}/2`)).rejects.toThrow(
    /cannot connect to Redis: NOPERM.*select/,
  );
});

test('a database the server does not have fails the connection', async () => {
  await expect(readWhere(`redis://:${ADMIN}@127.0.0.1:${redis.port}/99`)).rejects.toThrow(
    /cannot connect to Redis: .*DB index is out of range/,
  );
});

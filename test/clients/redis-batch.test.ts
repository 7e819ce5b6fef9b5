import type { Socket } from 'node:net';
import { RedisClient } from '../../src/clients/redis';
import { silentLogger } from '../../src/log/logger';
import { startRedis, type RedisServer } from '../harness/redis';

/** A batch's pipelines are written together: one writev, not one write system call per pipeline. */

let redis: RedisServer;
let client: RedisClient;

beforeAll(async () => {
  redis = await startRedis();
  client = new RedisClient({ url: `redis://127.0.0.1:${redis.port}` }, { name: 'batch-test', log: silentLogger() });
});

afterAll(async () => {
  await client?.close();
  await redis?.stop();
});

test('pipelines sent at once leave in one socket write, and every reply comes back in order', async () => {
  await client.call(Date.now() + 3000, ['set', 'k', 'v']);
  const socket = client.redis.stream as Socket & { _write: unknown; _writev: unknown };
  const writes = jest.spyOn(socket, '_write' as never);
  const writevs = jest.spyOn(socket, '_writev' as never);
  try {
    const commands = Array.from({ length: 21 }, (_, i) => ['echo', `reply-${i}`] as const);
    const replies = await client.batch(Date.now() + 3000, commands, { chunk: 1 });
    expect(replies.map((r) => (r.ok ? r.value : r.error.message))).toEqual(commands.map(([, text]) => text));
    expect(writes.mock.calls.length + writevs.mock.calls.length).toBe(1);
  } finally {
    writes.mockRestore();
    writevs.mockRestore();
  }
});

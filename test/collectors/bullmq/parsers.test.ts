import { metaPattern, queueFromMetaKey, selectQueues } from '../../../src/collectors/bullmq/discovery';
import { clientNames, countWorkers, workerClientName, workerNameIndex } from '../../../src/collectors/bullmq/workers';

describe('discovery', () => {
  test.each([
    ['bull', 'bull:*:meta'],
    ['my{app}', 'my{app}:*:meta'],
    ['a*b?c[d]\\e', 'a\\*b\\?c\\[d\\]\\\\e:*:meta'],
  ])('metaPattern(%s)', (prefix, pattern) => {
    expect(metaPattern(prefix)).toBe(pattern);
  });

  test.each([
    ['bull:emails:meta', 'bull', 'emails'],
    ['bull:ünï 🚀 "q":meta', 'bull', 'ünï 🚀 "q"'],
    ['app:bull:emails:meta', 'app:bull', 'emails'],
    // A job whose custom id is "a:meta" in queue emails: not a queue.
    ['bull:emails:a:meta', 'bull', undefined],
    ['bull::meta', 'bull', undefined],
    ['other:emails:meta', 'bull', undefined],
    ['bull:emails:metadata', 'bull', undefined],
    ['bullx:emails:meta', 'bull', undefined],
  ])('queueFromMetaKey(%s, %s) = %s', (key, prefix, queue) => {
    expect(queueFromMetaKey(key, prefix)).toBe(queue);
  });

  test('selectQueues: sorted, unique, capped, counting what is left out', () => {
    expect(selectQueues(['c', 'a', 'b', 'a'], 10)).toEqual({ queues: ['a', 'b', 'c'], leftOut: 0 });
    expect(selectQueues(['c', 'a', 'b', 'd'], 2)).toEqual({ queues: ['a', 'b'], leftOut: 2 });
  });
});

describe('workers', () => {
  const LIST = [
    'id=21 addr=127.0.0.1:1 laddr=127.0.0.1:6379 fd=8 name=bull:Y3E= age=1 idle=0 flags=N db=0 cmd=bzpopmin user=default',
    'id=22 addr=127.0.0.1:2 laddr=127.0.0.1:6379 fd=9 name= age=1 idle=0 flags=N db=0 cmd=eval user=default',
    'id=23 addr=127.0.0.1:3 laddr=127.0.0.1:6379 fd=10 name=bull:Y3E=:w:wname-2 age=1 idle=0 flags=N db=0 cmd=bzpopmin user=default',
    'id=25 addr=127.0.0.1:4 laddr=127.0.0.1:6379 fd=11 name=bull:Y3E=:w:n:with:colons age=1 cmd=bzpopmin',
    'id=26 addr=127.0.0.1:5 laddr=127.0.0.1:6379 fd=12 name=bull:Y3E=:qe age=1 cmd=xread',
    'id=27 addr=127.0.0.1:6 laddr=127.0.0.1:6379 fd=13 name=jobstack-exporter:bullmq age=1 cmd=client|list',
    'id=28 addr=127.0.0.1:7 laddr=127.0.0.1:6379 fd=14 name=other:Y3E= age=1 cmd=bzpopmin',
  ].join('\r\n');

  test('clientNames reads the name field of each line, skipping unnamed clients', () => {
    expect(clientNames(LIST)).toEqual([
      'bull:Y3E=',
      'bull:Y3E=:w:wname-2',
      'bull:Y3E=:w:n:with:colons',
      'bull:Y3E=:qe',
      'jobstack-exporter:bullmq',
      'other:Y3E=',
    ]);
  });

  test('countWorkers: unnamed and named workers count, QueueEvents and other prefixes do not', () => {
    const index = workerNameIndex('bull', ['cq', 'idle']);
    expect(Object.fromEntries(countWorkers(clientNames(LIST), 'bull', index))).toEqual({ cq: 3, idle: 0 });
  });

  test('names are base64, so any queue name is safe in a client name', () => {
    expect(workerClientName('bull', 'cq')).toBe('bull:Y3E=');
    const name = 'we"ird\\ q\nü 🚀';
    expect(workerClientName('my{pfx}', name)).not.toMatch(/\s/);
    const index = workerNameIndex('my{pfx}', [name]);
    expect(countWorkers([`${workerClientName('my{pfx}', name)}:w:x`], 'my{pfx}', index).get(name)).toBe(1);
  });
});

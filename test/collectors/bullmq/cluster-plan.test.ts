import { keySlot } from '../../../src/clients/cluster-slot';
import { planByNode } from '../../../src/collectors/bullmq/cluster-plan';

/** How queue reads are laid out on a cluster: per master, one call per slot, calls of at most `size`. */

// Known slots (redis.io cluster specification examples and CLUSTER KEYSLOT answers).
test.each([
  ['123456789', 0x31c3 % 16384],
  ['foo', 12182],
  ['bar', 5061],
  ['{user1000}.following', keySlot('user1000')],
  ['foo{}{bar}', keySlot('foo{}{bar}')], // an empty tag: the whole key is hashed
  ['foo{{bar}}zap', keySlot('{bar')],
  ['{bull}:emails:wait', keySlot('bull')],
])('keySlot(%p)', (key, slot) => {
  expect(keySlot(key)).toBe(slot);
});

test('queues are grouped by master, then by slot, in calls of at most `size`', () => {
  const queues = ['{bull}:a:', '{bull}:b:', '{bull}:c:', 'bull:{x}:', 'bull:{y}:', 'bull:{z}:'];
  // Two masters: slots below 8192 on A, the rest on B.
  const nodeOf = (key: string | Buffer) => (keySlot(key) < 8192 ? 'A' : 'B');
  const plan = planByNode(queues, (q) => q, nodeOf, 2);
  expect(plan.unserved).toEqual([]);
  const calls = [...plan.byNode.values()].flat();
  // {bull} queues share a slot: one call of 2 and one of 1; each {x}/{y}/{z} queue its own call.
  expect(calls.filter((c) => c[0].startsWith('{bull}')).map((c) => c.length)).toEqual([2, 1]);
  expect(calls.filter((c) => c[0].startsWith('bull:')).map((c) => c.length)).toEqual([1, 1, 1]);
  for (const [node, nodeCalls] of plan.byNode)
    for (const call of nodeCalls) {
      expect(new Set(call.map((q) => keySlot(q))).size).toBe(1);
      expect(nodeOf(call[0])).toBe(node);
    }
});

test('queues in a slot no master serves are set aside, the others still planned', () => {
  const plan = planByNode(
    ['{bull}:a:', 'bull:{x}:'],
    (q) => q,
    (key) => (keySlot(key) === keySlot('bull') ? undefined : 'A'),
    10,
  );
  expect(plan.unserved).toEqual(['{bull}:a:']);
  expect([...plan.byNode.get('A')!.flat()]).toEqual(['bull:{x}:']);
});

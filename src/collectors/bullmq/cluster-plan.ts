import { keySlot } from '../../clients/cluster-slot';

/**
 * How reads are laid out on a Redis Cluster: one pipeline per master, and in it one script call
 * per slot (a Lua script may only touch keys of one slot), each of at most `size` items. Queues
 * sharing a hash-tagged prefix (`{bull}:a:`, `{bull}:b:`) share a slot, so they share calls; queues
 * with hash-tagged names (`bull:{orders}:`) get a call each, still in their node's one pipeline.
 */
export interface NodePlan<T> {
  /** Master (`host:port`) -> script calls, each a list of items of one slot. */
  readonly byNode: Map<string, T[][]>;
  /** Items whose slot no master serves in the current slot map. */
  readonly unserved: T[];
}

export function planByNode<T>(
  items: readonly T[],
  keyOf: (item: T) => string | Buffer,
  nodeOf: (slotKey: string | Buffer) => string | undefined,
  size: number,
): NodePlan<T> {
  const bySlot = new Map<number, { key: string | Buffer; items: T[] }>();
  for (const item of items) {
    const key = keyOf(item);
    const slot = keySlot(key);
    let entry = bySlot.get(slot);
    if (!entry) bySlot.set(slot, (entry = { key, items: [] }));
    entry.items.push(item);
  }
  const byNode = new Map<string, T[][]>();
  const unserved: T[] = [];
  for (const { key, items: inSlot } of bySlot.values()) {
    const node = nodeOf(key);
    if (node === undefined) {
      unserved.push(...inSlot);
      continue;
    }
    let calls = byNode.get(node);
    if (!calls) byNode.set(node, (calls = []));
    for (let i = 0; i < inSlot.length; i += size) calls.push(inSlot.slice(i, i + size));
  }
  return { byNode, unserved };
}

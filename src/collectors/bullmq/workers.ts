/**
 * Workers per queue from CLIENT LIST. BullMQ names each Worker's blocking connection
 * `<prefix>:<base64(queue)>` or `<prefix>:<base64(queue)>:w:<worker name>` (one per Worker);
 * QueueEvents use `...:qe` and are not workers. This is the rule Queue.getWorkers() applies.
 */

/** Client names from CLIENT LIST output (`id=.. addr=.. name=<name> ...` per line). */
export function clientNames(clientList: string): string[] {
  const names: string[] = [];
  for (const line of clientList.split(/\r?\n/)) {
    // Client names cannot contain spaces, so the field ends at the next space.
    const match = /(?:^| )name=(\S*)/.exec(line);
    if (match && match[1]) names.push(match[1]);
  }
  return names;
}

/**
 * The connection name BullMQ gives a queue's workers, without the optional `:w:<name>`: base64 of
 * the name's bytes (`encoding` 'latin1' when the queue is a byte string, see queue-name.ts).
 */
export const workerClientName = (prefix: string, queue: string, encoding: BufferEncoding = 'utf8'): string =>
  `${prefix}:${Buffer.from(queue, encoding).toString('base64')}`;

/** Worker connection name -> queue, for the given queues (base64 is costly enough to build once). */
export function workerNameIndex(
  prefix: string,
  queues: readonly string[],
  encoding: BufferEncoding = 'utf8',
): Map<string, string> {
  return new Map(queues.map((queue) => [workerClientName(prefix, queue, encoding), queue]));
}

/** Workers connected per queue, for the indexed queues only (0 for a queue without any). */
export function countWorkers(
  names: readonly string[],
  prefix: string,
  index: ReadonlyMap<string, string>,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const queue of index.values()) counts.set(queue, 0);
  for (const name of names) {
    const named = name.indexOf(':w:', prefix.length + 1);
    const queue = index.get(named < 0 ? name : name.slice(0, named));
    if (queue !== undefined) counts.set(queue, counts.get(queue)! + 1);
  }
  return counts;
}

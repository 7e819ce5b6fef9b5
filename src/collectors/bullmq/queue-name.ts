import { shortDigest } from '../../metrics/label-value';

/**
 * Queue names are bytes in Redis, and any bytes are a valid key: a name that is not valid UTF-8
 * (written by another client) must still be read exactly. Inside the collector a queue is its
 * bytes carried as a "byte string" (latin1: one character per byte), which keys Maps and turns
 * back into the exact bytes for every key sent; replies of the scripts are decoded the same way.
 * Only labels and display text are UTF-8.
 */
export type QueueBytes = string;

/** A name given as text (BULLMQ_QUEUES, a prefix) as the bytes BullMQ writes: its UTF-8 encoding. */
export const bytesOfText = (text: string): QueueBytes => Buffer.from(text, 'utf8').toString('latin1');

/** The exact bytes of a byte string. */
export const toBuffer = (bytes: QueueBytes): Buffer => Buffer.from(bytes, 'latin1');

const ASCII = /^\p{ASCII}*$/u;

/**
 * A byte string as a command argument with exactly its bytes: as is when it is ASCII (the same
 * bytes in UTF-8), else a Buffer. ASCII names, the usual case, keep ioredis' plain string path
 * (one write per pipeline) instead of a Buffer per argument.
 */
export const toArg = (bytes: QueueBytes): string | Buffer => (ASCII.test(bytes) ? bytes : toBuffer(bytes));

/** A byte string as display text (UTF-8; invalid sequences become U+FFFD). */
export const textOfBytes = (bytes: string): string => Buffer.from(bytes, 'latin1').toString('utf8');

/**
 * The label of a queue: its name when it is valid UTF-8; otherwise the name decoded with U+FFFD
 * for each invalid sequence, then `~` and the first 8 hex digits of the SHA-256 of its bytes, so
 * it can never be mistaken for (or merged with) the queue whose name is that decoded text.
 */
export function queueLabel(bytes: QueueBytes): string {
  const raw = toBuffer(bytes);
  const text = raw.toString('utf8');
  return Buffer.from(text, 'utf8').equals(raw) ? text : `${text}~${shortDigest(raw)}`;
}

/**
 * Labels for a set of queues, none shared: a label already taken by another queue (only a
 * contrived name can collide) gets the digest of its own bytes appended.
 */
export function uniqueLabels(queues: readonly QueueBytes[]): Map<QueueBytes, string> {
  const byLabel = new Map<string, QueueBytes>();
  const out = new Map<QueueBytes, string>();
  for (const queue of queues) {
    let label = queueLabel(queue);
    if (byLabel.has(label) && byLabel.get(label) !== queue) label = `${label}~${shortDigest(toBuffer(queue))}`;
    byLabel.set(label, queue);
    out.set(queue, label);
  }
  return out;
}

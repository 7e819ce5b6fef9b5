import { createHash } from 'node:crypto';

/**
 * Label values are bounded where samples are set (MetricBatch), whatever the collector read: a
 * queue named with 10 KB, repeated in ~70 series, made one scrape 136 MB. A value longer than
 * MAX_LABEL_VALUE_BYTES (UTF-8) is cut at a character boundary and ends with `~` and the first 8
 * hex digits of the SHA-256 of the whole value, so two long values that share their beginning
 * stay two series instead of being merged silently. Lone UTF-16 surrogates become U+FFFD, so the
 * exposition is always valid UTF-8.
 */
export const MAX_LABEL_VALUE_BYTES = 256;
/** Bytes kept from the original value when it is cut: the rest holds `~` and the digest. */
const KEPT_BYTES = MAX_LABEL_VALUE_BYTES - 9;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

declare global {
  interface String {
    /** ES2024 (Node.js 20+): no lone surrogates; answered without a scan for a one-byte string. */
    isWellFormed(): boolean;
  }
}

/** Short (64 UTF-16 units are at most 192 UTF-8 bytes) and well formed: exposed as it is. */
const keptAsIs = (value: string): boolean => value.length <= 64 && value.isWellFormed();

/** The first 8 hex digits of the SHA-256 of some bytes: the suffix that keeps rewritten values apart. */
export const shortDigest = (bytes: string | Buffer): string =>
  createHash('sha256').update(bytes).digest('hex').slice(0, 8);

/** The longest prefix of `text` that fits in `bytes` UTF-8 bytes, never splitting a character. */
export function cutUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--; // back off continuation bytes
  return buf.subarray(0, end).toString('utf8');
}

/** Rewritten values remembered at most. */
const MEMO_MAX = 4096;

/**
 * Bounds label values, remembering rewritten ones (bounded), so a long name set in many series is
 * cut once. Owned by whoever makes batches (the runner keeps one across scrapes), never global.
 */
export class LabelValueBounder {
  private readonly memo = new Map<string, string>();

  /** The value as exposed: itself when short and well formed, else the documented replacement. */
  bound(value: string): string {
    if (keptAsIs(value)) return value;
    const known = this.memo.get(value);
    if (known !== undefined) return known;
    const result = boundedLabelValue(value);
    if (result !== value) {
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(value, result);
    }
    return result;
  }
}

/** The value as exposed: itself when short and well formed, else the documented replacement. */
export function boundedLabelValue(value: string): string {
  if (keptAsIs(value)) return value;
  const wellFormed = value.replace(LONE_SURROGATE, '\uFFFD');
  return Buffer.byteLength(wellFormed, 'utf8') <= MAX_LABEL_VALUE_BYTES
    ? wellFormed
    : `${cutUtf8(wellFormed, KEPT_BYTES)}~${shortDigest(value)}`;
}

/**
 * One buffer for the /metrics answer's bytes, reused from one scrape to the next.
 *
 * At 1,000 queues an answer is ~1.1 MB outside the V8 heap. Its Buffer lives from the start of
 * the rendering until the socket has sent it, across several scavenges, so V8 promoted it and
 * freed its bytes only at the next full GC: under back-to-back scrapes 20-60 MB of spent answers
 * waited there (`nodejs_external_memory_bytes`), and glibc kept the pages they had used.
 *
 * A rendering takes the spare buffer when there is one (a second scrape running at the same
 * time gets a new buffer); the answer's sender gives it back once the bytes have been sent.
 */
export class AnswerBuffer {
  private spare?: Buffer;

  /** The spare buffer, whole; undefined when there is none (first scrape, or one already lent). */
  take(): Buffer | undefined {
    const spare = this.spare;
    this.spare = undefined;
    return spare;
  }

  /**
   * Takes back the buffer under `answer` (a view from its start, as ExpositionText.finish gives)
   * once nothing reads the answer any more. A buffer much larger than its answer (after a one-off
   * spike) is let go rather than held for good, and of two buffers given back the larger is kept.
   */
  give(answer: Buffer): void {
    const whole = answer.buffer;
    if (answer.byteOffset !== 0 || whole.byteLength > 2 * answer.length + KEEP_SLACK) return;
    if (this.spare && this.spare.length >= whole.byteLength) return;
    this.spare = Buffer.from(whole);
  }
}

/** A buffer up to this much larger than twice its answer is kept (small answers still reuse theirs). */
const KEEP_SLACK = 1 << 18;

import { AnswerBuffer } from '../../src/metrics/answer-buffer';
import { labelSet, MetricBatch } from '../../src/metrics/batch';
import { defineMetric } from '../../src/metrics/define';
import { renderSliced } from '../../src/metrics/render';
import { Slicer } from '../../src/runner/slice';

const series = defineMetric({ name: 'demo_series', help: 'One of many.', type: 'gauge', labels: ['series'] });

/** A batch of `n` samples, each line about 60 bytes, all with `value`. */
function batchOf(n: number, value: number): MetricBatch {
  const batch = new MetricBatch();
  for (let i = 0; i < n; i++)
    batch.set(series, value, labelSet({ series: `s-${String(i).padStart(6, '0')}-${'x'.repeat(20)}` }));
  return batch;
}

const renderWith = (batch: MetricBatch, answers: AnswerBuffer) =>
  renderSliced(batch.families.values(), 'prometheus', Infinity, new Slicer(), answers);

describe('AnswerBuffer: one buffer for the /metrics answer, reused once sent', () => {
  test('the next rendering writes into the buffer given back, with the new text only', async () => {
    const answers = new AnswerBuffer();
    const first = await renderWith(batchOf(3000, 1), answers);
    const firstText = first.toString('utf8');
    answers.give(first);
    const second = await renderWith(batchOf(2000, 2), answers);
    expect(second.buffer).toBe(first.buffer);
    const text = second.toString('utf8');
    expect(text.split('\n').filter((l) => l.startsWith('demo_series{')).length).toBe(2000);
    expect(text).not.toMatch(/ 1\n/);
    expect(firstText.split('\n').filter((l) => l.endsWith(' 1')).length).toBe(3000);
  });

  test('a lent buffer is not handed out again: a rendering meanwhile gets its own', async () => {
    const answers = new AnswerBuffer();
    const first = await renderWith(batchOf(100, 1), answers);
    answers.give(first);
    const lent = await renderWith(batchOf(100, 2), answers);
    const meanwhile = await renderWith(batchOf(100, 3), answers);
    expect(meanwhile.buffer).not.toBe(lent.buffer);
    expect(lent.toString('utf8')).toContain(' 2\n');
    expect(lent.toString('utf8')).not.toContain(' 3\n');
  });

  test('a buffer that just fits the text is reused, not grown for the worst case of its last chunk', async () => {
    // Grown by doubling from 256 KB, the buffer for ~500 KB of text is 512 KB: the last chunk's
    // bound (3 bytes per character) would not fit, the bytes themselves do.
    const answers = new AnswerBuffer();
    const batch = batchOf(9300, 1);
    const first = await renderWith(batch, answers);
    expect(first.buffer.byteLength).toBe(512 * 1024);
    expect(first.length).toBeGreaterThan(480 * 1024);
    answers.give(first);
    const second = await renderWith(batch, answers);
    expect(second.buffer).toBe(first.buffer);
    expect(second.equals(Buffer.from(first.toString('utf8')))).toBe(true);
  });

  test('a buffer far larger than its answer (after a spike) is let go, and the larger of two is kept', async () => {
    const answers = new AnswerBuffer();
    const spike = await renderWith(batchOf(20_000, 1), answers);
    const small = spike.subarray(0, 1000);
    answers.give(small);
    expect(answers.take()).toBeUndefined();

    const a = Buffer.allocUnsafeSlow(4096);
    const b = Buffer.allocUnsafeSlow(8192);
    answers.give(b.subarray(0, 4000));
    answers.give(a.subarray(0, 4000));
    expect(answers.take()?.buffer).toBe(b.buffer);
    expect(answers.take()).toBeUndefined();
  });
});

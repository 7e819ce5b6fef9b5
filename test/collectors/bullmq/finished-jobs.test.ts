import { bytesOfText } from '../../../src/collectors/bullmq/queue-name';
import {
  FAILED_REASON_CHARS,
  FinishedJobs,
  decodeJobDetails,
  durationHistograms,
  type JobDetails,
  type SampleRequest,
} from '../../../src/collectors/bullmq/finished-jobs';
import type { Finished } from '../../../src/collectors/bullmq/queue-state';
import { Redactor } from '../../../src/log/redact';

const BUCKETS = [0.1, 1, 10];
const job = (finishedOn: number, processedOn = finishedOn - 500, timestamp = processedOn - 1000): JobDetails => ({
  timestamp,
  processedOn,
  finishedOn,
});
const f = (id: string, score: number): Finished => ({ id, score });

/** Reads a set the way one scrape does: plan, "fetch" details, commit. */
function scrape(
  jobs: FinishedJobs,
  state: 'completed' | 'failed',
  read: Finished[],
  details: (r: SampleRequest) => JobDetails | undefined = (r) => job(Number(r.id.replace(/\D/g, '')) || 1000),
): SampleRequest[] {
  const { requests, next } = jobs.plan(state, read);
  jobs.commit(
    state,
    next,
    requests.map((r) => [r, details(r)] as const),
  );
  return requests;
}

const redactor = new Redactor();

test('the first read places the watermark and observes nothing', () => {
  const jobs = new FinishedJobs(durationHistograms(BUCKETS), 100, 5);
  expect(jobs.mode('completed')).toBe('<1');
  expect(jobs.mode('failed')).toBe('<5');
  expect(scrape(jobs, 'completed', [f('9', 900)])).toEqual([]);
  expect(jobs.durations!.wait.value.count).toBe(0);
  expect(jobs.mode('completed')).toBe('>900:101:9');
});

test('each finished job is observed once, including one finishing in the watermark millisecond', () => {
  const jobs = new FinishedJobs(durationHistograms(BUCKETS), 100, 0);
  scrape(jobs, 'completed', [f('a', 1000)]);
  // The set read at or after the watermark still returns "a"; "b" finished in the same millisecond later.
  expect(scrape(jobs, 'completed', [f('a', 1000), f('b', 1000), f('c', 1200)]).map((r) => r.id)).toEqual(['b', 'c']);
  expect(jobs.observed.completed).toBe(2);
  expect(jobs.mode('completed')).toBe('>1200:101:c');
  expect(scrape(jobs, 'completed', [f('c', 1200)])).toEqual([]);
  expect(jobs.durations!.processing.value.count).toBe(2);
  expect(jobs.durations!.wait.value).toMatchObject({ count: 2, sum: 2 });
});

test('more than sampleLimit finished: the rest wait for the next scrape, none twice, none lost', () => {
  const jobs = new FinishedJobs(durationHistograms(BUCKETS), 2, 0);
  scrape(jobs, 'completed', []);
  expect(jobs.mode('completed')).toBe('>0:2:');
  // Redis answers at most limit + seen jobs from the watermark on; ties at 30 are cut in the middle.
  expect(scrape(jobs, 'completed', [f('j1', 10), f('j2', 30)]).map((r) => r.id)).toEqual(['j1', 'j2']);
  // Cut by the limit: the last job read is remembered as newest, so the set's real newest differs and is read on.
  expect(jobs.mode('completed')).toBe('>30:3:j2');
  expect(scrape(jobs, 'completed', [f('j2', 30), f('j3', 30), f('j4', 40)]).map((r) => r.id)).toEqual(['j3', 'j4']);
  expect(scrape(jobs, 'completed', [f('j4', 40), f('j5', 50)]).map((r) => r.id)).toEqual(['j5']);
  expect(jobs.observed.completed).toBe(5);
});

test('the newest member: remembered from the read, even when it was seen already or nothing was new', () => {
  const jobs = new FinishedJobs(durationHistograms(BUCKETS), 100, 0);
  scrape(jobs, 'completed', [f('b', 1000)]);
  // "a" finished in the same millisecond as "b" but sorts before it: "b" stays the newest.
  expect(scrape(jobs, 'completed', [f('a', 1000), f('b', 1000)]).map((r) => r.id)).toEqual(['a']);
  expect(jobs.mode('completed')).toBe('>1000:102:b');
  // The newest was removed: a read with nothing new still moves the remembered newest.
  expect(scrape(jobs, 'completed', [f('a', 1000)])).toEqual([]);
  expect(jobs.mode('completed')).toBe('>1000:102:a');
});

test('a job removed before its details were read is not observed, and never as 0', () => {
  const jobs = new FinishedJobs(durationHistograms(BUCKETS), 100, 0);
  scrape(jobs, 'completed', []);
  scrape(jobs, 'completed', [f('gone', 10), f('kept', 20)], (r) => (r.id === 'gone' ? undefined : job(20)));
  expect(jobs.durations!.wait.value.count).toBe(1);
  expect(jobs.observed.completed).toBe(1);
  expect(scrape(jobs, 'completed', [f('kept', 20)])).toEqual([]);
});

test('a job missing processedOn is counted as finished but gives no duration', () => {
  const jobs = new FinishedJobs(durationHistograms(BUCKETS), 100, 0);
  scrape(jobs, 'failed', []);
  scrape(jobs, 'failed', [f('x', 10)], () => ({ timestamp: 1, finishedOn: 10 }));
  expect(jobs.observed.failed).toBe(1);
  expect(jobs.durations!.wait.value.count).toBe(0);
  expect(jobs.durations!.processing.value.count).toBe(0);
});

test('failed jobs: seeded at the first read, then newest first, at most failedKept, a retried job once', () => {
  const jobs = new FinishedJobs(durationHistograms(BUCKETS), 100, 3);
  const failed = (id: string, finishedOn: number): JobDetails => ({
    ...job(finishedOn),
    name: `n-${id}`,
    failedReason: `boom ${id}`,
    attemptsMade: 2,
  });
  // First read: newest first, as ZREVRANGE answers.
  scrape(jobs, 'failed', [f('f2', 20), f('f1', 10)], (r) => failed(r.id, r.id === 'f2' ? 20 : 10));
  expect(jobs.recentFailures().map((j) => j.id)).toEqual(['f2', 'f1']);
  expect(jobs.durations!.wait.value.count).toBe(0);
  scrape(jobs, 'failed', [f('f2', 20), f('f3', 30), f('f1', 40)], (r) => failed(r.id, r.id === 'f3' ? 30 : 40));
  expect(jobs.recentFailures()).toEqual([
    { id: 'f1', name: 'n-f1', failedReason: 'boom f1', attemptsMade: 2, finishedOn: 40 },
    { id: 'f3', name: 'n-f3', failedReason: 'boom f3', attemptsMade: 2, finishedOn: 30 },
    { id: 'f2', name: 'n-f2', failedReason: 'boom f2', attemptsMade: 2, finishedOn: 20 },
  ]);
  scrape(jobs, 'failed', [f('f4', 50)], () => failed('f4', 50));
  expect(jobs.recentFailures().map((j) => j.id)).toEqual(['f4', 'f1', 'f3']);
});

test('a long stream of new job ids leaves bounded state: the ties of the newest millisecond, failedKept failures', () => {
  // Live Workers keep new job ids coming at every scrape (bench/soak.ts): nothing kept per queue may grow with them.
  const jobs = new FinishedJobs(durationHistograms(BUCKETS), 100, 5);
  scrape(jobs, 'completed', []);
  scrape(jobs, 'failed', []);
  let newest = f('', 0);
  let newestFailed = f('', 0);
  for (let n = 1; n <= 5000; n++) {
    // Three jobs a scrape, two of them in the same millisecond; the read starts at the watermark's millisecond.
    const t = n * 10;
    const fresh = [f(`${n}a`, t), f(`${n}b`, t), f(`${n}c`, t + 1)];
    const read = [...(newest.score ? [newest] : []), ...fresh];
    expect(scrape(jobs, 'completed', read)).toHaveLength(3);
    const failed = [...(newestFailed.score ? [newestFailed] : []), ...fresh.slice(0, 2)];
    expect(scrape(jobs, 'failed', failed, (r) => ({ ...job(t), failedReason: `failed: ${r.id}` }))).toHaveLength(2);
    [newestFailed, newest] = [fresh[1], fresh[2]];
  }
  expect(jobs.observed.completed).toBe(15_000);
  // The read limit is sampleLimit plus the ids seen in the watermark's millisecond: one, not one per job ever read.
  expect(jobs.mode('completed')).toBe(`>50001:101:5000c`);
  expect(jobs.mode('failed')).toBe(`>50000:102:5000b`);
  expect(jobs.recentFailures()).toHaveLength(5);
});

describe('decodeJobDetails', () => {
  test('a completed job', () => {
    expect(decodeJobDetails(['1000', '1500', '2500'], redactor)).toEqual({
      timestamp: 1000,
      processedOn: 1500,
      finishedOn: 2500,
      name: undefined,
      failedReason: undefined,
      attemptsMade: undefined,
    });
  });

  test('a failed job: reason redacted and cut, a character split by Redis dropped', () => {
    redactor.register('Sup3r-Secret');
    const reason = `connect failed: password Sup3r-Secret ${'x'.repeat(400)}`;
    const decoded = decodeJobDetails(['1', '2', '3', 'send', reason, '3'], redactor);
    expect(decoded).toMatchObject({ name: 'send', attemptsMade: 3 });
    expect(decoded!.failedReason).toHaveLength(FAILED_REASON_CHARS);
    expect(decoded!.failedReason).toMatch(/^connect failed: password \*\*\* x+$/);
    // Strings arrive as byte strings (queue-name.ts): UTF-8 bytes, here cut inside the last character.
    const cutInside = bytesOfText('ünïö').slice(0, -1);
    expect(decodeJobDetails(['1', '2', '3', bytesOfText('名前'), cutInside, false], redactor)).toMatchObject({
      name: '名前',
      failedReason: 'ünï',
    });
  });

  test('a job hash that is gone', () => {
    expect(decodeJobDetails(false, redactor)).toBeUndefined();
    expect(decodeJobDetails(null, redactor)).toBeUndefined();
  });
});

test('histograms off: finished jobs are still counted, no durations kept', () => {
  const jobs = new FinishedJobs(undefined, 100, 0);
  expect(jobs.anyObserved).toBe(false);
  scrape(jobs, 'completed', [f('a', 1000)]);
  expect(jobs.anyObserved).toBe(false); // the first read only places the watermark
  scrape(jobs, 'completed', [f('a', 1000), f('b', 1100)]);
  expect(jobs.observed.completed).toBe(1);
  expect(jobs.anyObserved).toBe(true);
  expect(jobs.durations).toBeUndefined();
});

test('queues sharing one pair of histograms (histograms: total) add up in it', () => {
  const shared = durationHistograms(BUCKETS);
  const [a, b] = [new FinishedJobs(shared, 100, 0), new FinishedJobs(shared, 100, 0)];
  for (const jobs of [a, b]) scrape(jobs, 'completed', [f('x', 1000)]);
  scrape(a, 'completed', [f('x', 1000), f('y', 2000)]);
  scrape(b, 'completed', [f('x', 1000), f('y', 2000), f('z', 3000)]);
  expect(shared.processing.value.count).toBe(3);
  expect(b.anyObserved && a.anyObserved).toBe(true);
});

import {
  MANUAL_RATE_LIMIT,
  decodeQueueState,
  delayedDueMs,
  parseScriptReply,
  summarize,
  waitingSinceMs,
  type RawQueueState,
} from '../../../src/collectors/bullmq/queue-state';
import { QUEUE_FIELDS } from '../../../src/collectors/bullmq/scripts';

/** A reply as QUEUE_STATE_LUA encodes it (cjson: false for nil, {} for an empty table). */
function reply(fields: Partial<Record<(typeof QUEUE_FIELDS)[number], unknown>>): unknown[] {
  const defaults: Record<(typeof QUEUE_FIELDS)[number], unknown> = {
    waiting: 0,
    oldestWaiting: false,
    active: 0,
    paused: 0,
    prioritized: 0,
    delayed: 0,
    waitingChildren: 0,
    completed: 0,
    failed: 0,
    meta: [false, false, false, false],
    metricsCompleted: false,
    metricsFailed: false,
    added: false,
    limiterTtl: -2,
    limiterValue: false,
    nextDelayedScore: false,
    oldestActiveProcessedOn: false,
    newCompleted: {},
    newFailed: {},
  };
  return QUEUE_FIELDS.map((name) => (name in fields ? fields[name] : defaults[name]));
}

describe('decodeQueueState', () => {
  test('an empty queue: zero counts, nothing optional', () => {
    const state = decodeQueueState(reply({}));
    expect(state.counts).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      prioritized: 0,
      'waiting-children': 0,
      completed: 0,
      failed: 0,
      paused: 0,
    });
    expect(state).toMatchObject({
      oldestWaiting: undefined,
      metricsCompleted: undefined,
      added: 0,
      limiterTtlMs: -2,
      newCompleted: [],
      newFailed: [],
    });
    expect(state.meta).toEqual({ paused: false, concurrency: undefined, max: undefined, duration: undefined });
  });

  test('every field', () => {
    const state = decodeQueueState(
      reply({
        waiting: 3,
        oldestWaiting: ['17', '1000', '500', false],
        active: 2,
        paused: 1,
        prioritized: 4,
        delayed: 5,
        waitingChildren: 6,
        completed: 7,
        failed: 8,
        meta: ['1', '3', '10', '60000'],
        metricsCompleted: '120',
        metricsFailed: '4',
        added: '99',
        limiterTtl: 2500,
        limiterValue: '10',
        nextDelayedScore: '7354405524209664',
        oldestActiveProcessedOn: '1500',
        newCompleted: ['a', '100', 'b', '101'],
        newFailed: ['c', '102'],
      }),
    );
    expect(state.counts).toEqual({
      waiting: 3,
      active: 2,
      delayed: 5,
      prioritized: 4,
      'waiting-children': 6,
      completed: 7,
      failed: 8,
      paused: 1,
    });
    expect(state.oldestWaiting).toEqual({ id: '17', timestamp: 1000, delay: 500, processedOn: undefined });
    expect(state.meta).toEqual({ paused: true, concurrency: 3, max: 10, duration: 60000 });
    expect(state).toMatchObject({
      metricsCompleted: 120,
      metricsFailed: 4,
      added: 99,
      limiterTtlMs: 2500,
      limiterValue: 10,
      nextDelayedScore: 7354405524209664,
      oldestActiveProcessedOn: 1500,
    });
    expect(state.newCompleted).toEqual([
      { id: 'a', score: 100 },
      { id: 'b', score: 101 },
    ]);
    expect(state.newFailed).toEqual([{ id: 'c', score: 102 }]);
  });

  test.each([
    ['not an array', 'x'],
    ['too short', [1, 2, 3]],
  ])('%s is refused', (_name, value) => {
    expect(() => decodeQueueState(value)).toThrow(/unexpected reply shape/);
  });
});

test('parseScriptReply takes the JSON text of a script and insists on an array', () => {
  expect(parseScriptReply('[[1],[2]]')).toEqual([[1], [2]]);
  expect(() => parseScriptReply('{}')).toThrow(/unexpected reply shape/);
});

test.each([
  // BullMQ's getDelayedScore: (timestamp + delay) * 4096 + a sequence within the millisecond.
  [1795509161184 * 4096, 1795509161184],
  [1795509161184 * 4096 + 4095, 1795509161184],
])('delayedDueMs(%d) = %d', (score, due) => {
  expect(delayedDueMs(score)).toBe(due);
});

test.each([
  ['no job', undefined, undefined],
  ['no timestamp', { id: '1' }, undefined],
  ['added and waiting', { id: '1', timestamp: 1000 }, 1000],
  ['added with a delay: runnable once due', { id: '1', timestamp: 1000, delay: 5000 }, 6000],
  ['retried: no earlier than its last attempt', { id: '1', timestamp: 1000, processedOn: 9000 }, 9000],
  ['delayed and retried', { id: '1', timestamp: 1000, delay: 5000, processedOn: 3000 }, 6000],
])('waitingSinceMs: %s', (_name, job, since) => {
  expect(waitingSinceMs(job)).toBe(since);
});

describe('summarize', () => {
  const base = decodeQueueState(reply({}));
  const with_ = (patch: Partial<RawQueueState>): RawQueueState => ({ ...base, ...patch });
  const NOW = 100_000;

  test('ages: 0 when the state is empty, undefined when the job could not be read', () => {
    expect(summarize('q', base, 2, NOW)).toMatchObject({
      oldestWaitingAgeSeconds: 0,
      oldestActiveAgeSeconds: 0,
      workers: 2,
      collectedAt: 100,
    });
    const unreadable = with_({ counts: { ...base.counts, waiting: 1, active: 1 } });
    expect(summarize('q', unreadable, undefined, NOW)).toMatchObject({
      oldestWaitingAgeSeconds: undefined,
      oldestActiveAgeSeconds: undefined,
      workers: undefined,
    });
    const readable = with_({
      counts: { ...base.counts, waiting: 1, active: 1 },
      oldestWaiting: { id: '1', timestamp: 40_000 },
      oldestActiveProcessedOn: 90_000,
    });
    expect(summarize('q', readable, 0, NOW)).toMatchObject({ oldestWaitingAgeSeconds: 60, oldestActiveAgeSeconds: 10 });
  });

  test('a clock running ahead never gives a negative age', () => {
    const ahead = with_({ counts: { ...base.counts, waiting: 1 }, oldestWaiting: { id: '1', timestamp: NOW + 5000 } });
    expect(summarize('q', ahead, 0, NOW).oldestWaitingAgeSeconds).toBe(0);
  });

  test.each([
    ['no limit set', {}, undefined],
    [
      'global limit set, not reached',
      { meta: { paused: false, max: 10, duration: 1000 }, limiterTtlMs: 500, limiterValue: 3 },
      false,
    ],
    [
      'global limit reached',
      { meta: { paused: false, max: 10, duration: 1000 }, limiterTtlMs: 500, limiterValue: 10 },
      true,
    ],
    [
      'global limit set, limiter expired',
      { meta: { paused: false, max: 10, duration: 1000 }, limiterTtlMs: -2 },
      false,
    ],
    ['manual rateLimit()', { limiterTtlMs: 5000, limiterValue: MANUAL_RATE_LIMIT }, true],
    ['a worker-local limiter counting (no global max)', { limiterTtlMs: 5000, limiterValue: 2 }, false],
  ] as const)('rate limit: %s', (_name, patch, limited) => {
    expect(summarize('q', with_(patch as Partial<RawQueueState>), 0, NOW).rateLimited).toBe(limited);
  });

  test('limits and counters pass through in base units', () => {
    const s = summarize(
      'q',
      with_({
        meta: { paused: true, concurrency: 4, max: 10, duration: 60_000 },
        metricsCompleted: 5,
        added: 7,
        nextDelayedScore: 4096 * 123_000,
      }),
      0,
      NOW,
    );
    expect(s).toMatchObject({
      paused: true,
      globalConcurrency: 4,
      globalRateLimit: { max: 10, durationSeconds: 60 },
      completedTotal: 5,
      failedTotal: undefined,
      jobsAdded: 7,
      nextDelayedDueSeconds: 123,
    });
  });
});

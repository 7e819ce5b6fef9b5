import { getEventListeners } from 'node:events';
import { eitherSignal, timedOut, untilDeadline } from '../../src/runner/deadline';

describe('eitherSignal', () => {
  test('aborts with the reason of whichever aborts first, and leaves no listener behind', () => {
    const cancel = new AbortController();
    const other = new AbortController();
    const signal = eitherSignal(cancel.signal, other.signal);
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(1);
    other.abort(new Error('deadline'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('deadline');
    // The long-lived signal keeps nothing of the finished one (AbortSignal.any does, on Node 22).
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
  });

  test('an already aborted input gives an aborted signal at once, with no listener added', () => {
    const cancel = new AbortController();
    cancel.abort('stopped');
    const live = new AbortController();
    const signal = eitherSignal(cancel.signal, live.signal);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('stopped');
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(0);
  });

  test('a deadline passing is told apart from a cancel', async () => {
    const cancel = new AbortController();
    const passed = untilDeadline(Date.now() + 20, cancel.signal);
    await new Promise((r) => passed.addEventListener('abort', r));
    expect(timedOut(passed)).toBe(true);
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
    const cancelled = untilDeadline(Date.now() + 60_000, cancel.signal);
    cancel.abort(new Error('shutdown'));
    expect(cancelled.aborted).toBe(true);
    expect(timedOut(cancelled)).toBe(false);
  });
});

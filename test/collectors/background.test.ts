import { BackgroundRefresh } from '../../src/collectors/background';
import { createLogger } from '../../src/log/logger';
import { sleep, waitFor } from '../harness/process';

const lines: string[] = [];
const log = createLogger('debug', (l) => lines.push(l));

/** A task that resolves with its run number, or hangs until aborted when `hang` is set. */
function counter(hang = () => false) {
  let runs = 0;
  const task = (signal: AbortSignal) => {
    runs++;
    const run = runs;
    if (!hang()) return sleep(5).then(() => run);
    return new Promise<number>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  };
  return { task, runs: () => runs };
}

describe('background refresh', () => {
  test('concurrent refreshes share one run; the result carries when and how long', async () => {
    const c = counter();
    const bg = new BackgroundRefresh({ what: 'count', intervalMs: 60_000, timeoutMs: 1000, task: c.task, log });
    const before = Date.now() / 1000;
    await Promise.all([bg.refresh(), bg.refresh(), bg.refresh()]);
    expect(c.runs()).toBe(1);
    expect(bg.latest?.value).toBe(1);
    expect(bg.latest!.finishedAt).toBeGreaterThanOrEqual(before);
    expect(bg.latest!.durationSeconds).toBeGreaterThan(0);
    expect(bg.lastSucceeded).toBe(true);
    await bg.close();
  });

  test('ensureStarted runs at once and then on the interval', async () => {
    const c = counter();
    const bg = new BackgroundRefresh({ what: 'count', intervalMs: 30, timeoutMs: 1000, task: c.task, log });
    bg.ensureStarted();
    bg.ensureStarted();
    await waitFor('three runs', () => c.runs() >= 3, 5000, 10);
    await bg.close();
    const runs = c.runs();
    await sleep(100);
    expect(c.runs()).toBe(runs);
  });

  test('a run past its timeout is aborted and fails; the last good result stays with its old timestamp', async () => {
    let hang = false;
    const c = counter(() => hang);
    const bg = new BackgroundRefresh({ what: 'slow listing', intervalMs: 60_000, timeoutMs: 50, task: c.task, log });
    await bg.refresh();
    const good = bg.latest;
    hang = true;
    await bg.refresh();
    expect(bg.lastSucceeded).toBe(false);
    expect(bg.latest).toBe(good);
    expect(lines.join('\n')).toMatch(/slow listing failed.*timed out after 0.05s/);
    await bg.close();
  });

  test('close aborts a run in progress', async () => {
    const c = counter(() => true);
    const bg = new BackgroundRefresh({ what: 'hanging', intervalMs: 60_000, timeoutMs: 60_000, task: c.task, log });
    const run = bg.refresh();
    await bg.close();
    await run;
    expect(bg.lastSucceeded).toBe(false);
    expect(bg.latest).toBeUndefined();
  });

  test('a failing streak is logged once, its end once, and the last good value is kept', async () => {
    const mine: string[] = [];
    let fail = false;
    const bg = new BackgroundRefresh({
      what: 'flaky listing',
      intervalMs: 60_000,
      timeoutMs: 1000,
      task: async () => {
        if (fail) throw new Error('endpoint down');
        return 'figures';
      },
      log: createLogger('debug', (l) => mine.push(l)),
    });
    await bg.refresh();
    fail = true;
    for (let i = 0; i < 4; i++) await bg.refresh();
    expect(bg.latest?.value).toBe('figures');
    expect(bg.lastSucceeded).toBe(false);
    expect(mine.filter((l) => l.includes('flaky listing failed'))).toHaveLength(1);
    fail = false;
    await bg.refresh();
    expect(mine.filter((l) => l.includes('flaky listing works again'))).toHaveLength(1);
    await bg.close();
  });
});

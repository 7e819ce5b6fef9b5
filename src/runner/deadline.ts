/**
 * The one owner of scrape deadlines: the budget a scrape gets, the margin a collector's signal
 * fires before the runner gives up, and the signals and races built on them. Collectors and
 * clients never compute a margin or start a timer of their own; they honour a signal.
 */

/** Prometheus tells exporters its scrape timeout; answer half a second before it gives up. */
export const SCRAPE_TIMEOUT_HEADER = 'x-prometheus-scrape-timeout-seconds';

export interface DeadlineSettings {
  /** The scraper's timeout assumed when it sends no header (Prometheus' default is 10 s). */
  readonly defaultTimeoutMs: number;
  /** Subtracted from the scraper's timeout to leave time for rendering and transfer. */
  readonly offsetMs: number;
}

/** The collection budget in ms for a scrape, from the header when it is a sane number. */
export function scrapeBudgetMs(header: string | undefined, settings: DeadlineSettings): number {
  const asked = header === undefined ? NaN : Number(header) * 1000;
  const timeoutMs = Number.isFinite(asked) && asked > 0 ? asked : settings.defaultTimeoutMs;
  // Never below 100 ms: a scraper asking for less would get nothing useful anyway.
  return Math.max(100, timeoutMs - settings.offsetMs);
}

/**
 * Time kept back from a collector's deadline: its signal fires this much before the runner gives
 * up on it, so the collector fails with its own error and settles (its batch is published) in time.
 */
export function deadlineMargin(remainingMs: number): number {
  return Math.min(250, Math.max(20, remainingMs * 0.1));
}

/** Aborted (reason: a TimeoutError) after `ms`; AbortSignal.timeout wants a whole, non-negative number. */
export function timeoutSignal(ms: number): AbortSignal {
  return AbortSignal.timeout(Math.max(0, Math.ceil(ms)));
}

/**
 * Aborted (with the first one's reason) when `a` or `b` aborts; its listeners are removed then.
 * Not AbortSignal.any: on Node.js 22 every signal it makes from a long-lived one (the runner's
 * cancel signal) stays reachable after both have aborted and GC ran - about 1.7 KB per call, so
 * ~100 MB a day at a 10 s scrape interval (measured with 22.23.5; 24.22.3 frees them). Every
 * signal made here includes a timeout, so its listeners always go.
 */
export function eitherSignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const first = a.aborted ? a : b.aborted ? b : undefined;
  if (first) {
    controller.abort(first.reason);
    return controller.signal;
  }
  const onAbort = (event: Event): void => {
    a.removeEventListener('abort', onAbort);
    b.removeEventListener('abort', onAbort);
    controller.abort((event.target as AbortSignal).reason);
  };
  a.addEventListener('abort', onAbort);
  b.addEventListener('abort', onAbort);
  return controller.signal;
}

export interface CollectorDeadline {
  /** Epoch ms at which `signal` fires: the collector must be done by then. */
  readonly at: number;
  /** Aborted at `at` (a timeout), or when the runner cancels the collection. */
  readonly signal: AbortSignal;
}

/** A collector's deadline: the margin before `hardAt` (when the runner stops waiting), or on `cancel`. */
export function collectorDeadline(startedAt: number, hardAt: number, cancel: AbortSignal): CollectorDeadline {
  const at = hardAt - deadlineMargin(hardAt - startedAt);
  return { at, signal: eitherSignal(cancel, timeoutSignal(at - startedAt)) };
}

/** Aborted at `deadline` (epoch ms), or earlier when `signal` aborts. */
export function untilDeadline(deadline: number, signal?: AbortSignal, now = Date.now()): AbortSignal {
  const timeout = timeoutSignal(deadline - now);
  return signal ? eitherSignal(signal, timeout) : timeout;
}

/** Aborted after `ms`, or earlier when `signal` aborts. */
export function withTimeout(signal: AbortSignal, ms: number): AbortSignal {
  return eitherSignal(signal, timeoutSignal(ms));
}

/** Whether `signal` was aborted by a timeout passing (rather than cancelled). */
export function timedOut(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
}

/**
 * `work`, or a rejection with `reason()` as soon as `signal` aborts. The losing `work` is left to
 * settle on its own (its rejection is swallowed); the caller releases what it holds.
 */
export async function raceSignal<T>(work: Promise<T>, signal: AbortSignal, reason: () => Error): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) throw reason();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/**
 * A client call bounded by the collector's deadline and signal: rejects with "<what> did not answer
 * before the scrape deadline" (or "... call aborted at the scrape deadline") and then calls `onCut`,
 * so the client frees what the unanswered call holds (its socket).
 */
export async function raceDeadline<T>(
  work: Promise<T>,
  deadline: number,
  signal: AbortSignal | undefined,
  what: string,
  onCut: () => void,
): Promise<T> {
  const stop = untilDeadline(deadline, signal);
  try {
    return await raceSignal(
      work,
      stop,
      () =>
        new Error(
          timedOut(stop)
            ? `${what} did not answer before the scrape deadline`
            : `${what} call aborted at the scrape deadline`,
        ),
    );
  } catch (err) {
    if (stop.aborted) onCut();
    throw err;
  }
}

/** Waits for `work` at most `ms` (shutdown: a closing client that never answers is not waited for). */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  await raceSignal(work, timeoutSignal(ms), () => new Error('not settled in time')).catch(() => undefined);
}

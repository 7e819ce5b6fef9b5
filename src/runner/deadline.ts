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

/**
 * Firing alerts and active silences from Alertmanager (`alertmanager.url`), for the built-in
 * dashboard: read-only (two GETs of its v2 API), under a deadline, bounded, and down-tolerant - an
 * unreachable Alertmanager is reported as such and never delays or breaks the page.
 */
import type { Redactor } from '../log/redact';
import { byText } from '../compare';

export const ALERT_LIMITS = {
  /** Alerts listed (critical first, then oldest); the counts cover all of them. */
  listed: 50,
  /** Larger answers are cut off and reported as an error. */
  bodyBytes: 4 << 20,
  valueChars: 300,
  /** An answer is reused this long: the page refreshes every 5 s, and several tabs share it. */
  reuseMs: 5_000,
} as const;

export interface FiringAlert {
  readonly alertname: string;
  readonly severity: string;
  readonly instance: string;
  readonly queue: string;
  readonly summary: string;
  readonly startsAt: string;
}

export interface AlertsSummary {
  readonly up: boolean;
  readonly error: string | null;
  readonly checkedAt: string;
  /** Active alerts neither silenced nor inhibited: what notifies people. */
  readonly firingCount: number;
  /** Active alerts held back by a silence or an inhibition. */
  readonly suppressedCount: number;
  readonly silences: number;
  readonly firing: readonly FiringAlert[];
}

type Json = Record<string, unknown>;
const cut = (v: unknown) => (typeof v === 'string' ? v.slice(0, ALERT_LIMITS.valueChars) : '');
const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** Alertmanager's /api/v2/alerts and /api/v2/silences answers into the summary (pure, for tests). */
export function summarise(alerts: unknown, silences: unknown, now: Date): AlertsSummary {
  const list = Array.isArray(alerts) ? (alerts as Json[]) : [];
  const active = list.filter((a) => (a?.status as Json | undefined)?.state === 'active');
  const suppressed = list.filter((a) => (a?.status as Json | undefined)?.state === 'suppressed');
  const firing = active
    .map((a) => {
      const labels = (a.labels ?? {}) as Json;
      const annotations = (a.annotations ?? {}) as Json;
      return {
        alertname: cut(labels.alertname),
        severity: cut(labels.severity),
        instance: cut(labels.instance),
        queue: cut(labels.queue),
        summary: cut(annotations.summary),
        startsAt: cut(a.startsAt),
      };
    })
    // The Watchdog heartbeat fires by design; it is not news.
    .filter((a) => a.alertname !== 'Watchdog');
  firing.sort(
    (a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3) || byText(a.startsAt, b.startsAt),
  );
  const activeSilences = Array.isArray(silences)
    ? (silences as Json[]).filter((s) => (s?.status as Json | undefined)?.state === 'active').length
    : 0;
  return {
    up: true,
    error: null,
    checkedAt: now.toISOString(),
    firingCount: firing.length,
    suppressedCount: suppressed.length,
    silences: activeSilences,
    firing: firing.slice(0, ALERT_LIMITS.listed),
  };
}

/** Reads a response body, refusing more than `max` bytes. */
async function boundedJson(res: Response, max: number): Promise<unknown> {
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const reader = res.body?.getReader();
  if (!reader) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new Error(`answer larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export class AlertmanagerView {
  private readonly base: string;
  private readonly headers: Record<string, string> = { accept: 'application/json' };
  private last: { at: number; summary: AlertsSummary } | undefined;
  private inFlight: Promise<AlertsSummary> | undefined;

  constructor(
    url: string,
    private readonly timeoutMs: number,
    private readonly redactor: Redactor,
  ) {
    // fetch refuses URLs with credentials: they become a basic-auth header.
    const u = new URL(url);
    if (u.username || u.password) {
      this.headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
      u.username = '';
      u.password = '';
    }
    this.base = u.toString().replace(/\/$/, '');
  }

  /** The latest summary, fetched at most every `reuseMs`, within `budgetMs` and the configured timeout. */
  summary(budgetMs: number): Promise<AlertsSummary> {
    if (this.last && Date.now() - this.last.at < ALERT_LIMITS.reuseMs) return Promise.resolve(this.last.summary);
    this.inFlight ??= this.fetchSummary(Math.max(100, Math.min(this.timeoutMs, budgetMs))).finally(
      () => (this.inFlight = undefined),
    );
    return this.inFlight;
  }

  private async fetchSummary(timeoutMs: number): Promise<AlertsSummary> {
    const signal = AbortSignal.timeout(timeoutMs);
    const get = (path: string) =>
      fetch(`${this.base}${path}`, { headers: this.headers, signal, redirect: 'error' }).then((res) =>
        boundedJson(res, ALERT_LIMITS.bodyBytes),
      );
    let summary: AlertsSummary;
    try {
      const [alerts, silences] = await Promise.all([get('/api/v2/alerts?active=true'), get('/api/v2/silences')]);
      summary = summarise(alerts, silences, new Date());
    } catch (err) {
      const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : this.redactor.errorMessage(err);
      summary = {
        up: false,
        error: reason,
        checkedAt: new Date().toISOString(),
        firingCount: 0,
        suppressedCount: 0,
        silences: 0,
        firing: [],
      };
    }
    this.last = { at: Date.now(), summary };
    return summary;
  }
}

import { instrumentMetrics as im, OTEL_HTTP_DURATION_BUCKETS } from '../../src/instrument/metrics';
import type { ApiObjectives, MixinConfig } from '../config';
import type { AlertRule, RecordingRule, Severity } from './types';

/**
 * The team's API, from its own /metrics (job `api`): per-route rate, error ratio and quantiles,
 * and SLO burn-rate alerts in the Google SRE workbook's multi-window, multi-burn-rate form.
 * Series are aggregated by job and route (replicas of one API add up), so none has `instance`.
 */
export const API = {
  requests: 'job_route:http_server_requests:rate5m',
  errorRatio: 'job_route:http_server_request_errors:ratio_rate5m',
  quantile: 'job_route_quantile:http_server_request_duration_seconds:histogram_quantile',
  availabilityErrors: (w: SloWindow) => `job_route:slo_availability_errors:ratio_rate${w}`,
  latencySlow: (w: SloWindow) => `job_route:slo_latency_slow:ratio_rate${w}`,
} as const;

/** SLO ratios: evaluated in their own, slower group (cfg.api.sloEvaluationInterval). */
export const isSloRecord = (record: string) => record.startsWith('job_route:slo_');

export const API_QUANTILES = ['0.5', '0.9', '0.95', '0.99'] as const;

/** Windows the burn-rate alerts compare, shortest first. */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/**
 * Burn rate = error ratio / error budget. Over a 30-day objective, 14.4x for 1 h spends 2% of the
 * budget, 6x for 6 h 5%: page. 3x for 1 d and 1x for 3 d spend 10% each: ticket. Each long window
 * is paired with a short one (1/12 of it) so the alert stops soon after the burn does.
 */
export const BURN_RATES: Readonly<
  Record<'page' | 'ticket', readonly { long: SloWindow; short: SloWindow; factor: number }[]>
> = {
  page: [
    { long: '1h', short: '5m', factor: 14.4 },
    { long: '6h', short: '30m', factor: 6 },
  ],
  ticket: [
    { long: '1d', short: '2h', factor: 3 },
    { long: '3d', short: '6h', factor: 1 },
  ],
};

const count = (cfg: MixinConfig, extra: string[] = []) =>
  `${im.requestDuration.name}_count{${[cfg.api.selector, ...extra].filter(Boolean).join(',')}}`;
const BY = 'job, http_route';
const round = (n: number) => Number(n.toPrecision(6));
const escapeRegex = (s: string) => s.replace(/[\\.*+?^${}()|[\]]/g, (c) => `\\\\${c}`).replace(/"/g, '\\"');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/**
 * `le` of the "fast enough" bucket. Prometheus 3 writes integer bounds as "1.0", Prometheus 2
 * keeps the app's "1": match both. A bound the histogram does not have is a build error.
 */
export function leMatcher(seconds: number): string {
  if (!(OTEL_HTTP_DURATION_BUCKETS as readonly number[]).includes(seconds)) {
    throw new Error(
      `api latencySeconds ${seconds} is not a bucket bound of ${im.requestDuration.name} (${OTEL_HTTP_DURATION_BUCKETS.join(', ')})`,
    );
  }
  return Number.isInteger(seconds) ? `le=~"${seconds}|${seconds}.0"` : `le="${seconds}"`;
}

/** Routes sharing objectives: every route not overridden, then one group per overridden route. */
export function routeGroups(cfg: MixinConfig): { matcher: string; objectives: ApiObjectives }[] {
  const { overrides, ...base } = cfg.api.objectives;
  const routes = Object.keys(overrides);
  if (!routes.length) return [{ matcher: '', objectives: base }];
  return [
    { matcher: `http_route!~"${routes.map(escapeRegex).join('|')}"`, objectives: base },
    ...routes.map((route) => ({
      matcher: `http_route="${escapeLabel(route)}"`,
      objectives: { ...base, ...overrides[route] },
    })),
  ];
}

const withMatcher = (record: string, matcher: string) => (matcher ? `${record}{${matcher}}` : record);

export function apiRecordingRules(cfg: MixinConfig): RecordingRule[] {
  const rate = (extra: string[], w: string) => `sum by (${BY}) (rate(${count(cfg, extra)}[${w}]))`;
  const fiveXx = 'http_response_status_code=~"5.."';
  const availability = (w: SloWindow) => `${rate([fiveXx], w)} / ${rate([], w)}`;
  // One term per distinct latency line: overridden routes count against their own bucket.
  const latency = (w: SloWindow) =>
    routeGroups(cfg)
      .map(({ matcher, objectives }) => {
        const bucket = `sum by (${BY}) (rate(${im.requestDuration.name}_bucket{${[cfg.api.selector, leMatcher(objectives.latencySeconds), matcher].filter(Boolean).join(',')}}[${w}]))`;
        return `(1 - ${bucket} / ${rate([matcher], w)})`;
      })
      .join(' or ');
  return [
    { record: API.requests, expr: rate([], cfg.rateWindow) },
    // A route without any 5xx series has ratio 0, not none; a route without requests has none.
    {
      record: API.errorRatio,
      expr: `(${rate([fiveXx], cfg.rateWindow)} or 0 * ${API.requests}) / (${API.requests} > 0)`,
    },
    ...API_QUANTILES.map((q) => ({
      record: API.quantile,
      labels: { quantile: q },
      expr: `histogram_quantile(${q}, sum by (${BY}, le) (rate(${im.requestDuration.name}_bucket{${cfg.api.selector}}[${cfg.rateWindow}])))`,
    })),
    ...SLO_WINDOWS.map((w) => ({ record: API.availabilityErrors(w), expr: availability(w) })),
    ...SLO_WINDOWS.map((w) => ({ record: API.latencySlow(w), expr: latency(w) })),
  ];
}

/** `(long > f*budget and short > f*budget) or ...` for each pair and route group. */
function burnExpr(
  cfg: MixinConfig,
  kind: 'page' | 'ticket',
  record: (w: SloWindow) => string,
  objective: (o: ApiObjectives) => number,
): string {
  return routeGroups(cfg)
    .flatMap(({ matcher, objectives }) =>
      BURN_RATES[kind].map(({ long, short, factor }) => {
        const line = round(factor * (1 - objective(objectives)));
        return `(${withMatcher(record(long), matcher)} > ${line} and ${withMatcher(record(short), matcher)} > ${line})`;
      }),
    )
    .join(' or ');
}

type Sli = 'availability' | 'latency';

function burnAlert(cfg: MixinConfig, sli: Sli, kind: 'page' | 'ticket'): AlertRule {
  const severity: Severity = kind === 'page' ? 'critical' : 'warning';
  const [fast, slow] = BURN_RATES[kind];
  const windows = `${fast.factor}x over ${fast.long} (and ${fast.short}) or ${slow.factor}x over ${slow.long} (and ${slow.short})`;
  const o = cfg.api.objectives;
  const isAvailability = sli === 'availability';
  return {
    alert: isAvailability ? 'ApiAvailabilityBudgetBurn' : 'ApiLatencyBudgetBurn',
    expr: burnExpr(cfg, kind, isAvailability ? API.availabilityErrors : API.latencySlow, (x) =>
      isAvailability ? x.availability : x.latency,
    ),
    for: kind === 'page' ? cfg.api.for.page : cfg.api.for.ticket,
    severity,
    component: 'api',
    summary: isAvailability
      ? 'API route burning its availability error budget'
      : 'API route burning its latency error budget',
    description: isAvailability
      ? `Route {{ $labels.http_route }} of {{ $labels.job }} answers {{ $value | humanizePercentage }} of its requests with a 5xx: its error budget burns at ${windows} the allowed rate.`
      : `{{ $value | humanizePercentage }} of the requests to route {{ $labels.http_route }} of {{ $labels.job }} are slower than its latency line: its budget burns at ${windows} the allowed rate.`,
    runbook: {
      meaning: isAvailability
        ? `A route answers 5xx faster than its objective allows (default ${o.availability * 100}% without 5xx over 30 days, per-route overrides in monitoring/config.ts). Critical (page): at this rate the month's budget is gone in days. Warning (ticket): slower, steady burn.`
        : `Too many requests to a route are slower than its latency line (default ${o.latency * 100}% within ${o.latencySeconds} s over 30 days, per-route overrides in monitoring/config.ts). Critical (page): fast burn. Warning (ticket): steady burn.`,
      checks: isAvailability
        ? [
            'The "API" Grafana dashboard: error ratio and the per-route table; which status codes (`http_response_status_code`).',
            'The built-in dashboard (`/dashboard`, API section): recent errors with their correlation ids; search the app logs for them.',
            'Dependencies the route uses: the overview dashboard (Redis, PostgreSQL, queues) and a recent deploy.',
          ]
        : [
            'The "API" Grafana dashboard: latency quantiles and the slowest routes; is it one route or all?',
            'The built-in dashboard (`/dashboard`, API section): slow requests with their correlation ids; trace them in the app logs.',
            'Saturation: active requests, host CPU, PostgreSQL long transactions and connections, Redis latency.',
          ],
      fix: isAvailability
        ? 'Roll back a bad deploy or fix the failing dependency; if the objective is wrong for this route, override it in monitoring/config.ts (`api.objectives.overrides`) and rebuild.'
        : 'Remove the cause of slowness (a query, a lock, an overloaded dependency) or scale out; if the line is wrong for this route (an export, a report), override `latencySeconds` for it in monitoring/config.ts.',
    },
  };
}

export function apiAlerts(cfg: MixinConfig): AlertRule[] {
  return [
    {
      alert: 'ApiDown',
      expr: `up{${cfg.api.selector}} == 0`,
      for: cfg.for.down,
      severity: 'warning',
      component: 'api',
      summary: "Prometheus cannot scrape the API's metrics",
      description: `Prometheus has not scraped {{ $labels.instance }} of {{ $labels.job }} for ${cfg.for.down}; its requests are not measured meanwhile.`,
      runbook: {
        meaning:
          "The API's /metrics (the jobstack-exporter/instrument registry) does not answer: the app is down, restarting, or the route is not mounted.",
        checks: [
          'Is the app running and healthy (its own health endpoint, the `probes` collector)?',
          '`curl -s http://<instance>/metrics | head` from the Prometheus host.',
          'The `api` job targets on Prometheus `/targets`: the last error says refused, timeout or 404.',
        ],
        fix: 'Start the app or fix the target list (static or file_sd); mount the registry on /metrics if a deploy lost it.',
      },
    },
    burnAlert(cfg, 'availability', 'page'),
    burnAlert(cfg, 'availability', 'ticket'),
    burnAlert(cfg, 'latency', 'page'),
    burnAlert(cfg, 'latency', 'ticket'),
  ];
}

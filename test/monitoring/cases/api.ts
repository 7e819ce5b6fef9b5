import { defaultConfig } from '../../../monitoring/config';
import { EXP, type RuleCase } from './types';
import { RECORD } from '../../../monitoring/rules/names';

/** Labels of the API job's series in these tests. */
const API = 'job="api",instance="api:3000"';
const count = (route: string, status: string) =>
  `http_server_request_duration_seconds_count{${API},http_request_method="GET",http_route="${route}",http_response_status_code="${status}"}`;
const bucket = (route: string, le: string) =>
  `http_server_request_duration_seconds_bucket{${API},http_request_method="GET",http_route="${route}",http_response_status_code="200",le="${le}"}`;
const route = (r: string) => ({ job: 'api', http_route: r });
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

/**
 * Per 15 s: /orders/:id 80 ok + 20 errors (20% 5xx: fast and slow burn), /checkout 199 ok + 1
 * error (0.5%: slow burn only), /health 100 ok (no burn). Latency: /search 25% slower than 0.5 s
 * (fast burn), /export 5% slower (slow burn only), /health all fast.
 */
export const apiCases: RuleCase[] = [
  {
    name: 'API availability: fast burn pages, slow burn tickets, a clean route stays quiet',
    series: [
      { series: count('/orders/:id', '200'), values: '0+80x200' },
      { series: count('/orders/:id', '500'), values: '0+20x200' },
      { series: count('/checkout', '200'), values: '0+199x200' },
      { series: count('/checkout', '503'), values: '0+1x200' },
      { series: count('/health', '200'), values: '0+100x200' },
    ],
    exprs: [
      {
        at: '20m',
        expr: 'job_route:http_server_requests:rate5m{http_route="/health"}',
        expect: [{ labels: `job_route:http_server_requests:rate5m{job="api",http_route="/health"}`, value: 100 / 15 }],
      },
      {
        at: '20m',
        // Rounded: ratios of rates are a few ulps off their exact value.
        expr: 'round(job_route:http_server_request_errors:ratio_rate5m, 0.0001)',
        expect: [
          { labels: '{job="api",http_route="/checkout"}', value: 0.005 },
          { labels: '{job="api",http_route="/health"}', value: 0 },
          { labels: '{job="api",http_route="/orders/:id"}', value: 0.2 },
        ],
      },
      ...WINDOWS.map((w) => ({
        at: '20m',
        expr: `round(job_route:slo_availability_errors:ratio_rate${w}{http_route="/orders/:id"}, 0.0001)`,
        expect: [{ labels: '{job="api",http_route="/orders/:id"}', value: 0.2 }],
      })),
    ],
    alerts: [
      { at: '1m', alert: 'ApiAvailabilityBudgetBurn', firing: [] },
      {
        at: '20m',
        alert: 'ApiAvailabilityBudgetBurn',
        firing: [
          {
            labels: { ...route('/orders/:id'), severity: 'critical', component: 'api' },
            description:
              'Route /orders/:id of api answers 20% of its requests with a 5xx: its error budget burns at 14.4x over 1h (and 5m) or 6x over 6h (and 30m) the allowed rate.',
          },
          {
            labels: { ...route('/orders/:id'), severity: 'warning', component: 'api' },
            description:
              'Route /orders/:id of api answers 20% of its requests with a 5xx: its error budget burns at 3x over 1d (and 2h) or 1x over 3d (and 6h) the allowed rate.',
          },
          {
            labels: { ...route('/checkout'), severity: 'warning', component: 'api' },
            description:
              'Route /checkout of api answers 0.5% of its requests with a 5xx: its error budget burns at 3x over 1d (and 2h) or 1x over 3d (and 6h) the allowed rate.',
          },
        ],
      },
    ],
  },
  {
    name: 'API latency: share slower than 0.5 s burns the budget fast or slowly; quantiles per route',
    series: [
      { series: bucket('/search', '0.1'), values: '0+50x200' },
      { series: bucket('/search', '0.5'), values: '0+75x200' },
      { series: bucket('/search', '+Inf'), values: '0+100x200' },
      { series: count('/search', '200'), values: '0+100x200' },
      { series: bucket('/export', '0.5'), values: '0+95x200' },
      { series: count('/export', '200'), values: '0+100x200' },
      { series: bucket('/health', '0.5'), values: '0+100x200' },
      { series: count('/health', '200'), values: '0+100x200' },
    ],
    exprs: [
      ...WINDOWS.map((w) => ({
        at: '20m',
        expr: `round(job_route:slo_latency_slow:ratio_rate${w}{http_route="/search"}, 0.0001)`,
        expect: [{ labels: '{job="api",http_route="/search"}', value: 0.25 }],
      })),
      {
        at: '20m',
        expr: 'job_route_quantile:http_server_request_duration_seconds:histogram_quantile{quantile="0.5",http_route="/search"}',
        expect: [
          {
            labels:
              'job_route_quantile:http_server_request_duration_seconds:histogram_quantile{job="api",http_route="/search",quantile="0.5"}',
            value: 0.1,
          },
        ],
      },
    ],
    alerts: [
      { at: '1m', alert: 'ApiLatencyBudgetBurn', firing: [] },
      {
        at: '20m',
        alert: 'ApiLatencyBudgetBurn',
        firing: [
          {
            labels: { ...route('/search'), severity: 'critical', component: 'api' },
            description:
              '25% of the requests to route /search of api are slower than its latency line: its budget burns at 14.4x over 1h (and 5m) or 6x over 6h (and 30m) the allowed rate.',
          },
          {
            labels: { ...route('/search'), severity: 'warning', component: 'api' },
            description:
              '25% of the requests to route /search of api are slower than its latency line: its budget burns at 3x over 1d (and 2h) or 1x over 3d (and 6h) the allowed rate.',
          },
          {
            labels: { ...route('/export'), severity: 'warning', component: 'api' },
            description:
              '5% of the requests to route /export of api are slower than its latency line: its budget burns at 3x over 1d (and 2h) or 1x over 3d (and 6h) the allowed rate.',
          },
        ],
      },
    ],
  },
  {
    name: 'API down, and the API penalties of the health score',
    series: [
      { series: `up{${API}}`, values: '1 1 0x20' },
      { series: `up{${EXP}}`, values: '1x60' },
      { series: `app_snapshot_recent_error_ratio{${EXP},target="api"}`, values: '0.2x60' },
      { series: `app_snapshot_recent_p95_seconds{${EXP},target="api"}`, values: '2x60' },
      { series: `up{job="jobstack",instance="calm:9478"}`, values: '1x60' },
      {
        series: `app_snapshot_recent_error_ratio{job="jobstack",instance="calm:9478",target="api"}`,
        values: '0.01x60',
      },
      { series: `app_snapshot_recent_p95_seconds{job="jobstack",instance="calm:9478",target="api"}`, values: '0.3x60' },
    ],
    exprs: [
      {
        at: '5m',
        expr: RECORD.healthScore,
        expect: [
          { labels: `${RECORD.healthScore}{instance="exp:9478"}`, value: 75 },
          { labels: `${RECORD.healthScore}{instance="calm:9478"}`, value: 100 },
        ],
      },
    ],
    alerts: [
      // Down from 30 s: not yet for 20 s at 45 s, firing at 3m.
      { at: '45s', alert: 'ApiDown', firing: [] },
      {
        at: '3m',
        alert: 'ApiDown',
        firing: [
          {
            labels: { job: 'api', instance: 'api:3000', severity: 'warning', component: 'api' },
            description: `Prometheus has not scraped api:3000 of api for ${defaultConfig.for.down}; its requests are not measured meanwhile.`,
          },
        ],
      },
    ],
  },
];

import { z } from 'zod';
import { SNAPSHOT_LIMITS as L, SNAPSHOT_VERSION, type AppSnapshot } from '../../instrument/snapshot';

/**
 * The snapshot contract re-checked on the exporter's side: an app may be older, newer, broken or
 * hostile. Unknown extra fields are ignored (a newer library may add some); every string, list
 * and number is bounded, so whatever passes is safe to show and to keep.
 */
const text = z.string().max(L.string);
const count = z.number().finite().min(0);
const seconds = z.number().finite().min(0);
const time = z.number().finite().min(0);

const record = z.object({
  time,
  method: text,
  route: text,
  status: z.number().int().min(0).max(999),
  durationSeconds: seconds,
  correlationId: text,
  verySlow: z.boolean(),
  aborted: z.boolean(),
});

const snapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  service: text,
  generatedAt: time,
  startedAt: time,
  thresholds: z.object({ slowSeconds: seconds, verySlowSeconds: seconds }),
  requests: z.object({ active: count, total: count, errors: count, aborted: count, overflowed: count }),
  routes: z
    .array(
      z.object({
        method: text,
        route: text,
        requests: count,
        errors: count,
        recent: z.object({
          windowSeconds: z.number().finite().positive(),
          requests: count,
          errorRatio: z.number().finite().min(0).max(1).nullable(),
          p50Seconds: seconds.nullable(),
          p95Seconds: seconds.nullable(),
        }),
      }),
    )
    .max(L.routes),
  slowRequests: z.array(record).max(L.requests),
  recentErrors: z.array(record).max(L.requests),
  websockets: z.object({
    open: count,
    opened: count,
    closed: count,
    messagesReceived: count,
    messagesSent: count,
    errors: count,
    recentEvents: z
      .array(
        z.object({
          time,
          type: z.enum(['open', 'close', 'error']),
          code: z.number().int().min(0).max(65535).optional(),
          detail: text.optional(),
        }),
      )
      .max(L.events),
  }),
});

export type SnapshotCheck = { readonly snapshot: AppSnapshot } | { readonly problem: string };

/** Parses and checks a snapshot body; the problem names the first field at fault, never its value. */
export function parseSnapshot(body: string): SnapshotCheck {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problem: 'answer is not JSON' };
  }
  if (typeof json === 'object' && json !== null && 'version' in json && json.version !== SNAPSHOT_VERSION) {
    const v = json.version;
    return {
      problem: `snapshot version ${typeof v === 'number' ? v : typeof v} is not supported (expected ${SNAPSHOT_VERSION})`,
    };
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      problem: `snapshot does not match the contract at ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    };
  }
  return { snapshot: parsed.data };
}

/** Routes with fewer requests in the window say little about latency (one slow call is not a p95). */
export const MIN_ROUTE_REQUESTS_FOR_P95 = 10;

/** The two figures the health score reads, over the app's recent window. */
export function recentFigures(s: AppSnapshot): { errorRatio: number | null; p95Seconds: number | null } {
  let requests = 0;
  let errors = 0;
  let p95: number | null = null;
  for (const r of s.routes) {
    requests += r.recent.requests;
    errors += (r.recent.errorRatio ?? 0) * r.recent.requests;
    const q = r.recent.p95Seconds;
    if (q !== null && r.recent.requests >= MIN_ROUTE_REQUESTS_FOR_P95 && (p95 === null || q > p95)) p95 = q;
  }
  return { errorRatio: requests > 0 ? Math.min(1, errors / requests) : null, p95Seconds: p95 };
}

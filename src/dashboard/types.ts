/**
 * The JSON served at /dashboard/data and read by the built-in page. Every field is documented in
 * README ("Dashboard data"); numbers are base units (seconds, bytes, ratios 0-1) unless the name
 * says otherwise (`...Ms`, `...PerSecond`, `...PerMinute`). `null` means "not known".
 */
import type { HEALTH_THRESHOLDS } from '../health/penalties';
import type { AlertsSummary } from './alerts';
import type { HealthReport } from '../health/types';
import type { JobState } from '../collectors/bullmq/queue-state';
import type { RequestRecord, RequestTotals, WebSocketEvent, WebSocketFigures } from '../instrument/snapshot';

export interface QueueSummary {
  readonly name: string;
  /** Jobs per state; empty when the queue could not be read. */
  readonly counts: Partial<Readonly<Record<JobState, number>>>;
  /** Jobs in BACKLOG_STATES (waiting + prioritized + delayed). */
  readonly backlog: number;
  readonly workers: number | null;
  readonly paused: boolean;
  /** Its keys could not be read in this collection (bullmq_queue_read_error 1): counts are empty, not zero. */
  readonly readError: boolean;
  readonly oldestWaitingSeconds: number | null;
  readonly oldestActiveSeconds: number | null;
  /** Over `windowMinutes`, from the in-memory history. */
  readonly completedPerMinute: number | null;
  readonly failedPerMinute: number | null;
  readonly failureRatio: number | null;
  readonly waitP95Seconds: number | null;
  readonly processingP95Seconds: number | null;
  readonly recentFailures: readonly {
    id: string;
    name: string;
    reason: string;
    attempts: number;
    finishedAt: string | null;
  }[];
  /** Sparkline points, oldest first, one per collection kept in history. */
  readonly history: { readonly backlog: readonly number[]; readonly throughputPerMinute: readonly number[] };
}

/** A request from an app's slow or error ring: the snapshot's record, its time as ISO text. */
export type ApiRequest = Omit<RequestRecord, 'time'> & { readonly at: string };

/** One instrumented app (an `app` collector target), from its latest snapshot. */
export interface ApiSummary {
  readonly target: string;
  readonly up: boolean;
  readonly error: string | null;
  readonly service: string | null;
  readonly ageSeconds: number | null;
  /** The app's recent window, which the per-route figures cover. */
  readonly windowSeconds: number | null;
  readonly requests: RequestTotals | null;
  readonly errorRatio: number | null;
  readonly p95Seconds: number | null;
  readonly routes: readonly {
    readonly method: string;
    readonly route: string;
    readonly requestsPerSecond: number;
    readonly errorRatio: number | null;
    readonly p50Seconds: number | null;
    readonly p95Seconds: number | null;
    readonly total: number;
    readonly totalErrors: number;
  }[];
  readonly slowRequests: readonly ApiRequest[];
  readonly recentErrors: readonly ApiRequest[];
  readonly websockets:
    | null
    | (Omit<WebSocketFigures, 'recentEvents'> & {
        readonly recentEvents: readonly {
          at: string;
          type: WebSocketEvent['type'];
          code: number | null;
          detail: string | null;
        }[];
      });
}

export interface DashboardData {
  readonly generatedAt: string;
  /** When the collection these figures come from finished, and how old it is. */
  readonly collectedAt: string | null;
  readonly ageSeconds: number | null;
  readonly windowMinutes: number;
  /** The lines the page colours figures by: the health score's own (src/health/penalties.ts). */
  readonly thresholds: typeof HEALTH_THRESHOLDS;
  readonly exporter: {
    readonly version: string;
    readonly revision: string;
    readonly uptimeSeconds: number;
    readonly collectors: readonly { name: string; success: boolean; durationMs: number; error: string | null }[];
  };
  readonly health: HealthReport & { readonly score: number; readonly reasons: readonly string[] };
  /** Firing alerts and silences from alertmanager.url; null when it is not set. */
  readonly alerts: AlertsSummary | null;
  readonly system: {
    readonly cpuRatio: number | null;
    readonly load1: number | null;
    readonly memory: {
      readonly totalBytes: number | null;
      readonly availableBytes: number | null;
      readonly usedRatio: number | null;
    };
    /** `readonly`: mounted read-only (a squashfs snap, an image): always "full", left out of the score and the host status. */
    readonly disks: readonly {
      mountpoint: string;
      sizeBytes: number;
      availBytes: number;
      usedRatio: number;
      readonly: boolean;
    }[];
    readonly process: { readonly rssBytes: number; readonly heapUsedBytes: number; readonly heapTotalBytes: number };
    readonly hostUptimeSeconds: number | null;
  };
  readonly redis: null | {
    readonly up: boolean;
    readonly version: string | null;
    readonly role: string | null;
    readonly memory: {
      readonly usedBytes: number | null;
      readonly peakBytes: number | null;
      readonly maxBytes: number | null;
    };
    readonly clients: number | null;
    readonly commandsPerSecond: number | null;
    readonly hitRatio: number | null;
  };
  readonly database: null | {
    readonly up: boolean;
    readonly version: string | null;
    readonly sizeBytes: number | null;
    readonly connections: { readonly byState: Readonly<Record<string, number>>; readonly max: number | null };
    readonly transactionsPerSecond: number | null;
    readonly longestTransactionSeconds: number | null;
    readonly customQueries: readonly { name: string; success: boolean; rows: number | null }[];
  };
  readonly queues: readonly QueueSummary[];
  readonly storage: readonly {
    readonly backend: 's3' | 'local';
    readonly up: boolean;
    readonly bytes: number | null;
    readonly objects: number | null;
    readonly freeBytes: number | null;
    readonly lastRefresh: string | null;
  }[];
  readonly probes: readonly {
    name: string;
    success: boolean;
    statusCode: number | null;
    durationMs: number | null;
    certExpiresAt: string | null;
  }[];
  /** Instrumented apps (the `app` collector's targets); empty when none is configured. */
  readonly api: readonly ApiSummary[];
  /** What is configured, secrets redacted. */
  readonly config: Readonly<Record<string, unknown>>;
}

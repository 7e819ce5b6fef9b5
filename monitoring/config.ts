import pkg from '../package.json';
import { HEALTH_THRESHOLDS } from '../src/health/penalties';

/** The repository's web address, from package.json's `repository.url` (without `git+` and `.git`). */
const REPOSITORY_WEB_URL = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');

/**
 * The mixin's knobs: selectors, thresholds, `for` durations and windows, each with the reason for
 * its value. Rules, alerts and the dashboard are functions of this object, so a test can build
 * them with short `for` durations and an installation can override thresholds (also per queue).
 */
export interface QueueThresholds {
  /** Waiting + prioritized + delayed jobs above which the queue is backed up. */
  readonly backlog: number;
  /** Age in seconds of the oldest waiting job above which the queue is stuck. */
  readonly oldestWaitingSeconds: number;
  /** p95 processing time in seconds above which jobs are too slow. */
  readonly processingP95Seconds: number;
  /** Failure ratios (0-1) for the warning and critical alerts. */
  readonly failureRatioWarning: number;
  readonly failureRatioCritical: number;
}

/** An API's service level objectives over 30 days (the period the burn-rate factors assume). */
export interface ApiObjectives {
  /** Share of requests answered without a 5xx (0.999: 43 minutes of full outage a month). */
  readonly availability: number;
  /** Share of requests that finish within `latencySeconds`. */
  readonly latency: number;
  /** The "fast enough" line; must be a bucket bound of http_server_request_duration_seconds. */
  readonly latencySeconds: number;
}

export interface MixinConfig {
  /** Selects the exporter's series; matches the job name in prometheus/prometheus.yml. */
  readonly selector: string;
  /**
   * Labels that tell apart replicas of one exporter watching the same Redis (two pods behind one
   * service: `instance`, and `pod` under Kubernetes). Each replica samples every finished job
   * (README, "Two exporters on the same Redis"), so job counts and queue figures are taken once
   * across them with `max without (...)`, never summed. Exporters of different Redis servers must
   * differ in some other label (their job, or a target label such as `redis`).
   */
  readonly exporterReplicaLabels: readonly string[];
  /** Job name Prometheus uses for the exporter. */
  readonly job: string;
  /** Rate window: 4x the 15 s scrape interval at least, so one missed scrape does not blank a rate. */
  readonly rateWindow: string;
  /** How often Prometheus evaluates rules; equal to the scrape interval so each evaluation sees a new sample. */
  readonly evaluationInterval: string;
  /**
   * 10 s: a dependency that dies is seen within 10 s, evaluated within 10 s more, so a 20 s `for`
   * still notifies within a minute (test/e2e/detection.test.ts measures it). 15 s could not: the
   * same budget left no `for` long enough to ignore one failed scrape.
   */
  readonly scrapeInterval: string;
  /** Prometheus' scrape timeout, below the interval so a frozen dependency never overlaps scrapes; the exporter answers 0.5 s before it. */
  readonly scrapeTimeout: string;
  /** Where each alert's runbook section lives (anchors are the alert names in lower case). */
  readonly runbookBase: string;
  readonly queues: QueueThresholds & {
    /** Per-queue overrides, e.g. a batch queue that may hold 100k jobs. */
    readonly overrides: Readonly<Record<string, Partial<QueueThresholds>>>;
  };
  readonly for: {
    /**
     * *Down alerts: 20 s = three evaluations in a row (at 10 s) seeing the dependency down, which
     * takes two failed scrapes or more; one failed scrape or a restart of a few seconds is at most
     * two, so it never pages. Worst case to the notification: 10 s scrape + 10 s evaluation +
     * 20 s + 5 s group_wait = 45 s.
     */
    readonly down: string;
    /** Backlog with no worker: 2 minutes lets a rolling deploy replace workers, and pages within 3 minutes. */
    readonly noWorkers: string;
    /** Backlog and slowness must persist: bursts are normal for queues. */
    readonly backlog: string;
    readonly failureRatio: string;
    readonly resource: string;
    readonly collector: string;
    /**
     * Redis Cluster state not ok: 1 minute. A failover takes cluster-node-timeout (15 s by default)
     * plus an election of a second or two, during which the state is fail; only a cluster that
     * stays broken longer (no replica to promote, a majority of masters lost) pages.
     */
    readonly clusterState: string;
    /** HTTP probes of other services flake more than a local dependency: one minute of failures. */
    readonly probe: string;
  };
  readonly redis: {
    readonly memoryWarning: number;
    readonly memoryCritical: number;
    /** Share of maxclients connected above which new workers and API processes will soon be refused. */
    readonly clientsWarning: number;
  };
  readonly postgres: {
    readonly connectionsWarning: number;
    /** Connections share at which new ones fail within minutes: pages. */
    readonly connectionsCritical: number;
    readonly longTransactionSeconds: number;
    /** A standby this far behind serves stale reads and loses that much on failover. */
    readonly replicationLagSeconds: number;
    /** A session idle inside a transaction this long holds locks and blocks vacuum: a bug, not work. */
    readonly idleInTransactionSeconds: number;
    /** Share of transactions rolled back (over the rate window) that means errors, not the odd retry. */
    readonly rollbackRatioWarning: number;
    /** age(datfrozenxid): autovacuum should keep it near 200M; writes stop near 2^31 (about 2.1 billion). */
    readonly xidAgeWarning: number;
    readonly xidAgeCritical: number;
  };
  /** Queue conditions beyond the per-queue thresholds. */
  readonly queueHealth: {
    /** An active job running this many times its queue's p99 processing time is hung... */
    readonly hungFactor: number;
    /** ...and at least this long, so queues of quick jobs do not page on a 3-second job. */
    readonly hungMinSeconds: number;
    /** A delayed job this far past its due time was not promoted: no worker is running the queue's scheduler. */
    readonly delayedOverdueSeconds: number;
    /** Workers now at or below this share of the last 30 minutes' peak: a crash wave or a bad deploy. */
    readonly workersDropRatio: number;
  };
  /** A dependency (Redis, PostgreSQL) whose uptime is below this many seconds restarted: worth a warning. */
  readonly restartedWithinSeconds: number;
  /** Days before a probed certificate expires at which to warn: two weeks covers a holiday. */
  readonly certExpiryWarningDays: number;
  /** Scrape duration as a share of the scrape timeout above which collectors are about to time out. */
  readonly scrapeDurationWarning: number;
  readonly storage: {
    /** Fraction of space left below which storage is almost full. */
    readonly freeWarning: number;
    readonly freeCritical: number;
    /** predict_linear looks back this far and forward `fillHorizonHours`. */
    readonly fillLookback: string;
    readonly fillHorizonHours: number;
    /** The fill prediction only warns below this share free: a nearly empty disk's trend is noise. */
    readonly fillOnlyBelow: number;
  };
  readonly host: {
    readonly cpuWarning: number;
    readonly memoryWarning: number;
    /** Share of fs.file-max allocated; at 100% every open() and socket() on the host fails. */
    readonly fileDescriptorsWarning: number;
    /** Network errors per second per device above which a NIC, cable or driver is failing. */
    readonly networkErrorsPerSecond: number;
  };
  /** Job names of Prometheus and Alertmanager scraping themselves (monitoring/rules/meta.ts alerts on them). */
  readonly meta: {
    readonly prometheusJob: string;
    readonly alertmanagerJob: string;
    /** Share of notifications Prometheus fails to send to Alertmanager above which alerts get lost. */
    readonly notificationErrorRatio: number;
  };
  /** Health score (0-100) below which the stack needs a look. */
  readonly healthScoreWarning: number;
  /** The team's API, instrumented with jobstack-exporter/instrument and scraped directly. */
  readonly api: {
    /** Selects the API's own series (its /metrics); matches the `api` job in prometheus.yml. */
    readonly selector: string;
    readonly job: string;
    /** Where Prometheus finds the API's instances besides the static target (file_sd). */
    readonly fileSdGlob: string;
    readonly objectives: ApiObjectives & {
      /** Per-route objectives by route template, e.g. a report export allowed 5 s. */
      readonly overrides: Readonly<Record<string, Partial<ApiObjectives>>>;
    };
    /**
     * How often the SLO ratios (windows up to 3 days) are evaluated: each reads days of samples
     * per route series, so once a minute instead of every 15 s; the burn alerts wait 2 m or more anyway.
     */
    readonly sloEvaluationInterval: string;
    readonly for: {
      /** Fast burn pages: 2 minutes confirms the short window, 14.4x burns 2% of a month's budget an hour. */
      readonly page: string;
      /** Slow burn tickets: 15 minutes; at 3x or 1x there are days to act. */
      readonly ticket: string;
    };
    /** Health score lines (the dashboard's too): 5xx share and the busiest routes' p95 from the app's snapshot. */
    readonly healthErrorRatio: number;
    readonly healthP95Seconds: number;
  };
}

export const defaultConfig: MixinConfig = {
  selector: 'job="jobstack"',
  exporterReplicaLabels: ['instance', 'pod'],
  job: 'jobstack',
  rateWindow: '5m',
  evaluationInterval: '10s',
  scrapeInterval: '10s',
  scrapeTimeout: '8s',
  // docs/runbooks.md on the default branch of package.json's repository.
  runbookBase: `${REPOSITORY_WEB_URL}/blob/main/docs/runbooks.md`,
  queues: {
    // 1,000 jobs waiting is minutes of work for a typical worker pool; tune per queue.
    backlog: 1000,
    // Ten minutes without the oldest job starting means workers are stuck or starved.
    oldestWaitingSeconds: HEALTH_THRESHOLDS.oldestWaitingSeconds,
    // Five minutes at p95 is slow for interactive work (images, e-mails); batch queues override it.
    processingP95Seconds: 300,
    // 5% failures is the celery-mixin's line for "something is off"; 25% is an outage.
    failureRatioWarning: HEALTH_THRESHOLDS.failureRatioWarning,
    failureRatioCritical: HEALTH_THRESHOLDS.failureRatioCritical,
    overrides: {},
  },
  for: {
    down: '20s',
    noWorkers: '2m',
    backlog: '10m',
    failureRatio: '10m',
    resource: '10m',
    collector: '5m',
    clusterState: '1m',
    probe: '1m',
  },
  // Redis evicts or refuses writes at maxmemory; 90% leaves time to act, 95% is urgent.
  redis: { memoryWarning: 0.9, memoryCritical: 0.95, clientsWarning: 0.8 },
  // New connections fail at max_connections; long transactions hold locks and block vacuum.
  postgres: {
    connectionsWarning: 0.8,
    connectionsCritical: 0.95,
    longTransactionSeconds: 900,
    replicationLagSeconds: 30,
    idleInTransactionSeconds: 300,
    rollbackRatioWarning: 0.2,
    xidAgeWarning: 1e9,
    xidAgeCritical: 1.5e9,
  },
  queueHealth: { hungFactor: 10, hungMinSeconds: 600, delayedOverdueSeconds: 300, workersDropRatio: 0.5 },
  restartedWithinSeconds: 300,
  certExpiryWarningDays: 14,
  scrapeDurationWarning: 0.8,
  storage: {
    freeWarning: HEALTH_THRESHOLDS.freeRatioWarning,
    freeCritical: 0.05,
    fillLookback: '6h',
    fillHorizonHours: 4,
    fillOnlyBelow: 0.4,
  },
  host: { cpuWarning: 0.9, memoryWarning: 0.9, fileDescriptorsWarning: 0.9, networkErrorsPerSecond: 0.1 },
  meta: { prometheusJob: 'prometheus', alertmanagerJob: 'alertmanager', notificationErrorRatio: 0.01 },
  healthScoreWarning: 70,
  api: {
    selector: 'job="api"',
    job: 'api',
    fileSdGlob: '/etc/prometheus/file_sd/api-*.yml',
    // 99.9% without 5xx and 99% within 0.5 s: the usual first objectives for an interactive API.
    objectives: { availability: 0.999, latency: 0.99, latencySeconds: 0.5, overrides: {} },
    sloEvaluationInterval: '1m',
    for: { page: '2m', ticket: '15m' },
    healthErrorRatio: HEALTH_THRESHOLDS.apiErrorRatio,
    healthP95Seconds: HEALTH_THRESHOLDS.apiP95Seconds,
  },
};

/** A config with some parts replaced (tests shorten `for`, installs change thresholds). */
export function withOverrides(
  overrides: { [K in keyof MixinConfig]?: Partial<MixinConfig[K]> },
  base: MixinConfig = defaultConfig,
): MixinConfig {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = (base as unknown as Record<string, unknown>)[key];
    merged[key] =
      typeof current === 'object' && current !== null && !Array.isArray(current)
        ? { ...current, ...(value as object) }
        : value;
  }
  return merged as unknown as MixinConfig;
}

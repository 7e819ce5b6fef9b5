import type { Redactor } from '../log/redact';
import type { DashboardSources } from '../collectors/sources';
import type { Config } from '../config/schema';
import { redactedConfig } from '../config/redacted';
import { MAX_ANSWER_BYTES } from '../http/security/limits';
import { MetricBatch } from '../metrics/batch';
import { AnswerTooLarge } from '../metrics/render';
import type { Collection, ScrapeRunner } from '../runner/runner';
import { Slicer } from '../runner/slice';
import type { BuildInfo } from '../version';
import { AlertmanagerView } from './alerts';
import { evaluateHealth } from '../health/components';
import { HEALTH_THRESHOLDS } from '../health/penalties';
import { HistogramWindow } from './histogram-window';
import { History } from './history';
import { healthScore } from '../health/score';
import { redisHistory, redisSection, probeSection, storageSection } from './sections/dependencies';
import { hostHistory, hostSection } from './sections/host';
import { postgresHistory, postgresSection } from './sections/postgres';
import { QueueHistoryKeys, queueHistory, queueSection } from './sections/queues';
import { apiSection } from './sections/api';
import type { HealthReport } from '../health/types';
import type { DashboardData } from './types';

/** A JSON answer over MAX_ANSWER_BYTES: refused (503), never served. */

/** /dashboard/data of one collection; the alerts have their own pace (AlertmanagerView) and join per request. */
type CollectionData = Omit<DashboardData, 'alerts'>;

interface BuiltAnswer {
  readonly collection: Collection;
  readonly data: CollectionData;
  /** The answer without generatedAt, ageSeconds and alerts, which are set per request. */
  readonly restJson: string;
  readonly healthJson: string;
}

export interface DashboardOptions {
  readonly runner: ScrapeRunner;
  readonly config: Readonly<Config>;
  readonly build: BuildInfo;
  /** Names of the enabled collectors: a section of a collector that is off is empty or null. */
  readonly collectorNames: readonly string[];
  /** What the collectors keep outside /metrics (recent failures, app readings), from createCollectors. */
  readonly sources?: DashboardSources;
  readonly startedAt?: number;
  /** The process's redactor: failed-job reasons and app request details are shown through it. */
  readonly redactor: Redactor;
}

const merged = (collection: Collection | undefined): MetricBatch => {
  const all = new MetricBatch();
  for (const o of collection?.outcomes ?? []) all.merge(o.batch);
  return all;
};

/**
 * The JSON health and dashboard views, built from the same collections that serve /metrics.
 * A collection younger than `dashboard.maxAge` is reused; only an older one triggers a new
 * collection (which concurrent scrapes then share), so a refreshing browser adds no load while
 * Prometheus scrapes at least that often.
 */
export class DashboardState {
  readonly history: History;
  private readonly histograms: HistogramWindow;
  private readonly names: ReadonlySet<string>;
  private readonly startedAt: number;
  /** Present when alertmanager.url is set. */
  private readonly alerts?: AlertmanagerView;
  private built?: { readonly collection: Collection; readonly answer: Promise<BuiltAnswer> };
  /** The history update of the latest collection (sliced, so it can still be running). */
  private recorded: Promise<void> = Promise.resolve();
  /** The latest collection's batches merged, shared by its history update and its answer. */
  private mergedCache?: { readonly collection: Collection; readonly all: MetricBatch };
  private readonly queueKeys = new QueueHistoryKeys();

  constructor(private readonly o: DashboardOptions) {
    const am = o.config.alertmanager;
    if (am.url) this.alerts = new AlertmanagerView(am.url, am.timeout, o.redactor);
    this.history = new History(o.config.dashboard.historyPoints, o.config.dashboard.historySeries);
    this.histograms = new HistogramWindow(Math.max(600, o.config.dashboard.window / 1000), 60);
    this.names = new Set(o.collectorNames);
    this.startedAt = o.startedAt ?? Date.now();
    // Updates run one after another, each after the previous one (a failed one is logged by the runner).
    o.runner.onCollection((collection) => {
      this.recorded = this.recorded.catch(() => undefined).then(() => this.record(collection));
      return this.recorded;
    });
  }

  private merged(collection: Collection): MetricBatch {
    if (this.mergedCache?.collection !== collection) this.mergedCache = { collection, all: merged(collection) };
    return this.mergedCache.all;
  }

  private async record(collection: Collection): Promise<void> {
    const all = this.merged(collection);
    const values = new Map<string, number>();
    const now = collection.finishedAt / 1000;
    hostHistory(all, values);
    redisHistory(all, values);
    postgresHistory(all, values);
    await queueHistory(all, values, this.histograms, now, new Slicer(), this.queueKeys);
    this.histograms.sweep();
    this.history.record(now, values);
  }

  /** The latest collection if fresh enough, else a new (or the in-flight) one. */
  private async collection(budgetMs: number): Promise<Collection> {
    const latest = this.o.runner.latest();
    if (latest && Date.now() - latest.finishedAt <= this.o.config.dashboard.maxAge) return latest;
    return this.o.runner.collect(budgetMs);
  }

  /** /health/detailed: the report of the current collection, with its HTTP status and JSON text. */
  async health(budgetMs: number): Promise<{ readonly status: HealthReport['status']; readonly json: string }> {
    const answer = await this.answer(budgetMs);
    return { status: answer.data.health.status, json: answer.healthJson };
  }

  /** /dashboard/data as JSON text: built once per collection, only the time fields are per request. */
  async dataJson(budgetMs: number): Promise<string> {
    // Alertmanager is read alongside the collection, under the same budget; down, it is reported, not waited for.
    const [answer, alerts] = await Promise.all([this.answer(budgetMs), this.alerts?.summary(budgetMs) ?? null]);
    const now = Date.now();
    const head = `{"generatedAt":${JSON.stringify(new Date(now).toISOString())},"ageSeconds":${(now - answer.collection.finishedAt) / 1000},"alerts":${JSON.stringify(alerts)},`;
    return head + answer.restJson.slice(1);
  }

  async data(budgetMs: number): Promise<DashboardData> {
    return JSON.parse(await this.dataJson(budgetMs)) as DashboardData;
  }

  /**
   * The answers of one collection, built once and shared by every request that reads it (also
   * while it is being built): a browser storm costs one build per collection, not one per request
   * (each of which held megabytes at 1,000 queues). Beyond MAX_ANSWER_BYTES the build fails
   * instead of serving it.
   */
  private async answer(budgetMs: number): Promise<BuiltAnswer> {
    const collection = await this.collection(budgetMs);
    if (this.built?.collection !== collection) this.built = { collection, answer: this.buildAnswer(collection) };
    return this.built.answer;
  }

  private async buildAnswer(collection: Collection): Promise<BuiltAnswer> {
    // The answer reads the history: the update for this collection must have finished.
    await this.recorded.catch(() => undefined);
    const data = await this.build(collection);
    const { generatedAt: _g, ageSeconds: _a, ...rest } = data;
    const restJson = JSON.stringify(rest);
    if (restJson.length > MAX_ANSWER_BYTES)
      throw new AnswerTooLarge(`/dashboard/data would exceed ${MAX_ANSWER_BYTES} bytes (${restJson.length})`);
    return { collection, data, restJson, healthJson: JSON.stringify(data.health) };
  }

  private async build(collection: Collection): Promise<CollectionData> {
    const all = this.merged(collection);
    const slicer = new Slicer();
    const window = this.o.config.dashboard.window / 1000;
    const has = (name: string) => this.names.has(name);
    const figures = {
      system: hostSection(all, this.history, window),
      redis: redisSection(all, this.history, window, has('redis')),
      database: postgresSection(all, this.history, window, has('postgres')),
      queues: has('bullmq')
        ? await queueSection(all, this.history, this.histograms, window, slicer, this.o.sources?.failures)
        : [],
      storage: storageSection(all, { s3: has('s3'), local: has('localstorage') }),
      probes: probeSection(all),
      api: apiSection(this.o.sources?.apps, this.o.redactor),
    };
    const exporter = {
      version: this.o.build.version,
      revision: this.o.build.revision,
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
      collectors: collection.outcomes.map((c) => ({
        name: c.name,
        success: c.success,
        durationMs: c.durationSeconds * 1000,
        error: c.error ?? null,
      })),
    };
    const report = evaluateHealth(collection, figures);
    const { score, reasons } = healthScore({ ...figures, exporter, health: report });
    return {
      generatedAt: new Date().toISOString(),
      collectedAt: new Date(collection.finishedAt).toISOString(),
      ageSeconds: (Date.now() - collection.finishedAt) / 1000,
      windowMinutes: window / 60,
      thresholds: HEALTH_THRESHOLDS,
      exporter,
      health: { ...report, score, reasons },
      ...figures,
      config: redactedConfig(this.o.config),
    };
  }
}

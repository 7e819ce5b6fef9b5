import { HeadBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Collector, CollectContext } from '../types';
import type { Config } from '../../config/schema';
import type { S3CollectorConfig } from './config';
import { ConfigError } from '../../config/errors';
import type { Logger } from '../../log/logger';
import { errorMessage } from '../../log/redact';
import { BackgroundRefresh } from '../background';
import { s3Metrics as m } from './metrics';
import { countObjects, type PrefixCount } from './listing';

export interface S3Options {
  /** Credentials instead of the SDK's default chain (from `AWS_*_FILE`, or tests). */
  readonly credentials?: S3ClientConfig['credentials'];
}

/**
 * HeadBucket on every scrape (s3_up and its latency); object count and bytes per prefix from
 * a paginated listing in the background, capped, because a big bucket takes many requests
 * (ribbybibby/s3_exporter re-lists on every scrape). Credentials come from the SDK's default
 * chain (AWS_* variables, shared config, instance/task roles) and never reach a log line.
 */
export class S3Collector implements Collector {
  readonly name = 's3';
  readonly up = m.up;
  private readonly bucket: string;
  /** One attempt: a scrape has no time for retries. */
  private readonly headClient: S3Client;
  /** Retries with backoff: a listing may take many requests and minutes. */
  private readonly listClient: S3Client;
  private readonly listings: ReadonlyMap<string, BackgroundRefresh<PrefixCount>>;

  constructor(config: S3CollectorConfig, storage: Config['storage']['s3'], log: Logger, options: S3Options = {}) {
    if (!storage.bucket)
      throw new ConfigError(['collectors.s3.enabled: the S3 collector needs storage.s3.bucket (S3_BUCKET)']);
    this.bucket = storage.bucket;
    const base: S3ClientConfig = {
      region: storage.region,
      endpoint: storage.endpoint,
      forcePathStyle: storage.forcePathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
    this.headClient = new S3Client({
      ...base,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: config.timeout, requestTimeout: config.timeout },
    });
    this.listClient = new S3Client({
      ...base,
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
    });
    const bucket = this.bucket;
    this.listings = new Map(
      config.prefixes.map((prefix) => [
        prefix,
        new BackgroundRefresh<PrefixCount>({
          what: `S3 listing of ${bucket}/${prefix}`,
          intervalMs: config.listInterval,
          timeoutMs: config.listInterval,
          task: (signal) =>
            countObjects(this.listClient, bucket, prefix, config.maxObjects, signal).catch((err: unknown) => {
              throw new Error(describeS3Error(err));
            }),
          log,
        }),
      ]),
    );
  }

  async collect({ out, signal }: CollectContext): Promise<void> {
    for (const listing of this.listings.values()) listing.ensureStarted();
    const started = performance.now();
    try {
      await this.headClient.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
    } catch (err) {
      throw new Error(`HeadBucket ${this.bucket}: ${describeS3Error(err)}`);
    }
    out.set(m.headBucketDuration, (performance.now() - started) / 1000);
    for (const [prefix, listing] of this.listings) {
      const labels = { bucket: this.bucket, prefix };
      if (listing.lastSucceeded !== undefined) out.set(m.listingSuccess, listing.lastSucceeded ? 1 : 0, labels);
      const latest = listing.latest;
      if (!latest) continue;
      out.set(m.objects, latest.value.objects, labels);
      out.set(m.objectsSize, latest.value.bytes, labels);
      out.set(m.listingTruncated, latest.value.truncated ? 1 : 0, labels);
      out.set(m.listingDuration, latest.durationSeconds, labels);
      out.set(m.listingLastSuccess, latest.finishedAt, labels);
    }
  }

  /** Lists every prefix now and resolves when done (tests, benchmarks). */
  async refreshListings(): Promise<void> {
    await Promise.all([...this.listings.values()].map((l) => l.refresh()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.listings.values()].map((l) => l.close()));
    this.headClient.destroy();
    this.listClient.destroy();
  }
}

/** HEAD answers carry no body, so the SDK's message is often just "UnknownError": add the status. */
export function describeS3Error(err: unknown): string {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = err instanceof Error ? err.name : '';
  const text = errorMessage(err);
  return status
    ? `HTTP ${status} ${name}${text && text !== 'UnknownError' && text !== name ? ` (${text})` : ''}`
    : text;
}

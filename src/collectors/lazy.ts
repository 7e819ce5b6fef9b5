/**
 * Collectors with a heavy client library, required only when one is created, so a collector that
 * is off (or a /probe module never asked for) never loads it: the AWS SDK costs ~20 MB of RSS,
 * ioredis ~20 MB, pg ~15 MB (bench/memory.ts). Used by the collector table and by /probe.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- require() on first use is the point: see above. */
export const lazyCollectors = {
  redis: () => require('./redis/collector') as typeof import('./redis/collector'),
  bullmq: () => require('./bullmq/collector') as typeof import('./bullmq/collector'),
  postgres: () => require('./postgres/collector') as typeof import('./postgres/collector'),
  s3: () => require('./s3/collector') as typeof import('./s3/collector'),
}; /* eslint-enable @typescript-eslint/no-require-imports */

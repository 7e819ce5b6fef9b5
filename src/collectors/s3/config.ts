import { z } from 'zod';
import { collectorSection, duration } from '../../config/fields';

/** `collectors.s3`: storage.s3.bucket: HeadBucket each scrape, object count and bytes from a background listing. */
export const s3ConfigSchema = collectorSection('5s', {
  /** Prefixes counted separately; '' is the whole bucket. */
  prefixes: z.array(z.string().max(1024)).min(1).max(20).default(['']),
  /** Time between listings; a listing that takes longer than this is aborted. */
  listInterval: duration(10_000, 7 * 86_400_000).default('5m'),
  /** Objects listed per prefix at most; beyond it the figures are lower bounds (s3_listing_truncated). */
  maxObjects: z.number().int().min(1).max(100_000_000).default(100_000),
});

export type S3CollectorConfig = z.output<typeof s3ConfigSchema>;

import { defineMetric, defineMetrics } from '../../metrics/define';

const listing = ['bucket', 'prefix'] as const;
const CACHED =
  'Cached: counted by a background listing (see s3_listing_last_success_timestamp_seconds), not at scrape time.';

/** S3 bucket metrics: reachability each scrape, contents from a capped background listing. */
export const s3Metrics = defineMetrics({
  up: defineMetric({
    name: 's3_up',
    help: 'Whether HeadBucket on the configured bucket succeeded in the last scrape (1) or not (0).',
    type: 'gauge',
    labels: [],
  }),
  headBucketDuration: defineMetric({
    name: 's3_head_bucket_duration_seconds',
    help: 'Time HeadBucket took in the last scrape, in seconds.',
    type: 'gauge',
    labels: [],
  }),
  objects: defineMetric({
    name: 's3_objects',
    help: `Objects under the prefix. ${CACHED}`,
    type: 'gauge',
    labels: listing,
  }),
  objectsSize: defineMetric({
    name: 's3_objects_size_bytes',
    help: `Total size of the objects under the prefix, in bytes. ${CACHED}`,
    type: 'gauge',
    labels: listing,
  }),
  listingTruncated: defineMetric({
    name: 's3_listing_truncated',
    help: 'Whether the last listing stopped at maxObjects (1), so s3_objects and s3_objects_size_bytes are lower bounds, or saw every object (0).',
    type: 'gauge',
    labels: listing,
  }),
  listingDuration: defineMetric({
    name: 's3_listing_duration_seconds',
    help: 'Time the last successful listing of the prefix took, in seconds.',
    type: 'gauge',
    labels: listing,
  }),
  listingLastSuccess: defineMetric({
    name: 's3_listing_last_success_timestamp_seconds',
    help: 'When the last successful listing of the prefix finished, as a Unix timestamp in seconds.',
    type: 'gauge',
    labels: listing,
  }),
  listingSuccess: defineMetric({
    name: 's3_listing_success',
    help: 'Whether the latest finished listing of the prefix succeeded (1) or failed (0).',
    type: 'gauge',
    labels: listing,
  }),
});

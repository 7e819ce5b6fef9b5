/**
 * Every recording rule's name (the API's are in api.ts, built from its SLO windows). The rule that
 * records a series, the alerts and dashboards that read it and the tests import the name from
 * here, so a rename is one edit and a typo a type error.
 */
export const RECORD = {
  hostCpu: 'instance:host_cpu_utilisation:ratio',
  hostMemory: 'instance:host_memory_utilisation:ratio',
  hostFsAvail: 'instance_mountpoint:host_filesystem_avail:ratio',
  hostFsFilesFree: 'instance_mountpoint:host_filesystem_files_free:ratio',
  redisMemory: 'instance:redis_memory_utilisation:ratio',
  pgConnections: 'instance:pg_connections_utilisation:ratio',
  pgCacheHit: 'instance:pg_cache_hit:ratio_rate5m',
  pgTransactions: 'instance:pg_transactions:rate5m',
  localStorageAvail: 'instance:localstorage_filesystem_avail:ratio',
  healthScore: 'jobstack:health_score',
} as const;

/** Per-queue recording rules the alerts, the health score and the dashboards share. */
export const Q = {
  completed: 'instance_queue:bullmq_jobs_completed:rate5m',
  failed: 'instance_queue:bullmq_jobs_failed:rate5m',
  failureRatio: 'instance_queue:bullmq_jobs_failure:ratio_rate5m',
  backlog: 'instance_queue:bullmq_backlog:sum',
  waitQuantile: 'instance_queue_quantile:bullmq_job_wait_duration_seconds:histogram_quantile',
  processingQuantile: 'instance_queue_quantile:bullmq_job_processing_duration_seconds:histogram_quantile',
} as const;

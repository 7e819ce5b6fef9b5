import { defineMetric, defineMetrics } from '../../metrics/define';

const CACHED =
  'Cached: counted by a background walk (see localstorage_walk_last_success_timestamp_seconds), not at scrape time.';

/** The application's local storage folder (storage.path): usable now, and what it holds. */
export const localStorageMetrics = defineMetrics({
  up: defineMetric({
    name: 'localstorage_up',
    help: 'Whether the storage path exists, is a directory and can be listed (1) or not (0).',
    type: 'gauge',
    labels: [],
  }),
  fsSize: defineMetric({
    name: 'localstorage_filesystem_size_bytes',
    help: 'Size of the filesystem holding the storage path, in bytes.',
    type: 'gauge',
    labels: [],
  }),
  fsFree: defineMetric({
    name: 'localstorage_filesystem_free_bytes',
    help: 'Free space on the filesystem holding the storage path, including blocks reserved for root, in bytes.',
    type: 'gauge',
    labels: [],
  }),
  fsAvail: defineMetric({
    name: 'localstorage_filesystem_avail_bytes',
    help: 'Space available to unprivileged users on the filesystem holding the storage path, in bytes.',
    type: 'gauge',
    labels: [],
  }),
  files: defineMetric({
    name: 'localstorage_files',
    help: `Regular files under the storage path. ${CACHED}`,
    type: 'gauge',
    labels: [],
  }),
  filesSize: defineMetric({
    name: 'localstorage_files_size_bytes',
    help: `Total apparent size of the regular files under the storage path, in bytes. ${CACHED}`,
    type: 'gauge',
    labels: [],
  }),
  walkErrors: defineMetric({
    name: 'localstorage_walk_errors',
    help: 'Directories or files the last walk could not read (permissions, removed meanwhile); the counts leave them out.',
    type: 'gauge',
    labels: [],
  }),
  walkTruncated: defineMetric({
    name: 'localstorage_walk_truncated',
    help: 'Whether the last walk stopped at maxFiles entries (1), so the counts are lower bounds, or saw everything (0).',
    type: 'gauge',
    labels: [],
  }),
  walkDuration: defineMetric({
    name: 'localstorage_walk_duration_seconds',
    help: 'Time the last successful walk took, in seconds.',
    type: 'gauge',
    labels: [],
  }),
  walkLastSuccess: defineMetric({
    name: 'localstorage_walk_last_success_timestamp_seconds',
    help: 'When the last successful walk finished, as a Unix timestamp in seconds.',
    type: 'gauge',
    labels: [],
  }),
  walkSuccess: defineMetric({
    name: 'localstorage_walk_success',
    help: 'Whether the latest finished walk succeeded (1) or failed (0).',
    type: 'gauge',
    labels: [],
  }),
});

import { z } from 'zod';
import { collectorSection, duration } from '../../config/fields';

/**
 * `collectors.localstorage`: storage.path exists/readable and its filesystem each scrape, files and
 * bytes from a background walk.
 */
export const localStorageConfigSchema = collectorSection('5s', {
  /** Time between walks; a walk that takes longer than this is aborted. */
  walkInterval: duration(10_000, 7 * 86_400_000).default('5m'),
  /** Entries visited per walk at most; beyond it the figures are lower bounds. */
  maxFiles: z.number().int().min(1).max(100_000_000).default(1_000_000),
});

export type LocalStorageConfig = z.output<typeof localStorageConfigSchema>;

import type { z } from 'zod';
import { collectorSection } from '../../config/fields';
import { customQueriesSchema } from './custom-config';

/** `collectors.postgres`: Server statistics plus the application's own SQL metrics; on when postgres.url is set. */
export const postgresConfigSchema = collectorSection('5s', { queries: customQueriesSchema() });

export type PostgresCollectorConfig = z.output<typeof postgresConfigSchema>;

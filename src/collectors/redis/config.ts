import { collectorSection } from '../../config/fields';

/**
 * `collectors.redis`: Redis health and INFO; on when redis.url is set (or with --collector.redis:
 * redis://127.0.0.1:6379).
 */
export const redisConfigSchema = collectorSection('5s', {});

import type { Config } from '../config/schema';
import type { Collector } from '../collectors/types';
import type { Logger } from '../log/logger';
import type { RunnerEntry } from '../runner/runner';
import type { ModuleCollector, ModuleConfig } from './config';
import type { Credentials } from './credentials';
import type { ProbeTarget } from './target';
import { lazyCollectors } from '../collectors/lazy';
import { ProbesCollector } from '../collectors/probes/collector';

/**
 * The target URL with the user name from the credentials file (never from the request), and
 * the password too where the client reads it only from there (pg, http basic auth).
 */
function withUser(target: ProbeTarget, credentials: Credentials | undefined, withPassword: boolean): string {
  if (!credentials?.username && !(withPassword && credentials?.password)) return target.href;
  const u = new URL(target.href);
  if (credentials.username) u.username = encodeURIComponent(credentials.username);
  if (withPassword && credentials.password) {
    // Its encoded form is a secret already: the credentials file registered the password.
    u.password = encodeURIComponent(credentials.password);
  }
  return u.href;
}

/**
 * The collectors of one module for one target, built from the same classes as /metrics', with
 * the collectors' settings of `collectors.<name>` (timeouts, bullmq histograms...) except what
 * is per target: the connection, bullmq's prefix and queues, the custom SQL metrics (the
 * module's `queries`: collectors.postgres.queries belong to postgres.url), the probed URL.
 * Custom queries are not checked against a target at startup (targets are not known then):
 * a wrong column shows as pg_custom_query_success 0 on that target.
 */
export function targetCollectors(
  config: Readonly<Config>,
  moduleName: string,
  module: ModuleConfig,
  target: ProbeTarget,
  credentials: Credentials | undefined,
  log: Logger,
): RunnerEntry[] {
  const build = (name: ModuleCollector): Collector => {
    switch (name) {
      case 'redis':
        return new (lazyCollectors.redis().RedisCollector)(
          { url: withUser(target, credentials, false), password: credentials?.password },
          log,
        );
      case 'bullmq':
        return new (lazyCollectors.bullmq().BullmqCollector)(
          config.collectors.bullmq,
          { url: withUser(target, credentials, false), password: credentials?.password },
          { prefix: module.bullmq.prefix, queues: [...module.bullmq.queues] },
          log,
        );
      case 'postgres':
        // In the URL: pg lets the connection string's empty password override a separate one.
        return new (lazyCollectors.postgres().PostgresCollector)(
          { ...config.collectors.postgres, queries: module.queries },
          { url: withUser(target, credentials, true) },
          log,
        );
      case 'probes':
        return new ProbesCollector({
          ...config.collectors.probes,
          concurrency: 1,
          targets: [
            {
              name: moduleName,
              url: withUser(target, credentials, true),
              insecureSkipVerify: module.insecureSkipVerify,
            },
          ],
        });
    }
  };
  return module.collectors.map((name) => ({ collector: build(name), timeoutMs: config.collectors[name].timeout }));
}

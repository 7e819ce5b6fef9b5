import { createHash } from 'node:crypto';
import type { Config } from '../config/schema';
import { ConfigError } from '../config/errors';
import type { Logger } from '../log/logger';
import { MetricBatch } from '../metrics/batch';
import { multiTargetMetrics as m, PROBE_RESULTS, type ProbeResult } from '../metrics/multi-target';
import { toExpositionFamily, type ExpositionFamily } from '../metrics/render';
import { ScrapeRunner, type Collection } from '../runner/runner';
import { isAllowed, parseAllowList, type AllowPattern } from './allow';
import { targetCollectors } from './collectors';
import { effectiveModules, kindOfModule, type ModuleConfig } from './config';
import { CredentialsFile, type Credentials } from './credentials';
import { TargetPool, type CloseReason } from './pool';
import { parseTarget, TargetRefused } from './target';

/** A /probe request refused before anything was contacted: answered 400 with `message`. */
export class ProbeRefused extends Error {
  constructor(
    message: string,
    readonly result: Exclude<ProbeResult, 'collected'>,
  ) {
    super(message);
  }
}

export interface ProbeQuery {
  readonly target: string | readonly string[] | undefined;
  readonly module: string | readonly string[] | undefined;
}

/** Module names are configuration, but a request's `module=` is not: echoed only when it could be one. */
const MODULE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Multi-target mode: checks a /probe request (scheme, no credentials, allow-list, module),
 * then collects the target with its pooled runner under the scrape's budget.
 */
export class MultiTarget {
  private readonly allow: readonly AllowPattern[];
  private readonly modules: ReadonlyMap<string, ModuleConfig>;
  private readonly credentials = new Map<string, CredentialsFile>();
  private readonly pool: TargetPool;
  private readonly requests = new Map<string, number>();
  private readonly closed = new Map<CloseReason, number>();

  /** Throws ConfigError naming the setting when a credentials file cannot be used. */
  constructor(
    private readonly config: Readonly<Config>,
    private readonly log: Logger,
  ) {
    const settings = config.multiTarget;
    this.allow = parseAllowList(settings.allow);
    this.modules = effectiveModules(settings);
    const problems: string[] = [];
    const open = (file: string | undefined, path: string) => {
      if (file === undefined || this.credentials.has(file)) return;
      try {
        this.credentials.set(file, new CredentialsFile(file, log));
      } catch (err) {
        problems.push(`${path}: ${file}: ${(err as Error).message}`);
      }
    };
    open(settings.credentialsFile, 'multiTarget.credentialsFile');
    for (const [name, module] of Object.entries(settings.modules))
      open(module.credentialsFile, `multiTarget.modules.${name}.credentialsFile`);
    if (problems.length) throw new ConfigError(problems);
    this.pool = new TargetPool(settings.maxTargets, settings.idleTimeout, (reason) =>
      this.closed.set(reason, (this.closed.get(reason) ?? 0) + 1),
    );
  }

  /** Whether /probe is served at all (an empty allow-list turns it off). */
  static enabled(config: Readonly<Config>): boolean {
    return config.multiTarget.allow.length > 0;
  }

  /** Collects the target of a request, or throws ProbeRefused (nothing contacted). */
  async probe(query: ProbeQuery, budgetMs: number): Promise<Collection> {
    let moduleLabel = '';
    try {
      const { name, module, target } = this.check(query, (n) => (moduleLabel = n));
      const credentials = this.lookupCredentials(module, target.host, target.port);
      const key = `${name}\n${target.href}`;
      const collection = await this.pool.with(
        key,
        fingerprint(credentials),
        () =>
          new ScrapeRunner(
            targetCollectors(this.config, name, module, target, credentials, this.log),
            this.log.child({ target: target.href.slice(0, 200), module: name }),
          ),
        (runner) => runner.collect(budgetMs),
      );
      this.count(moduleLabel, 'collected');
      return collection;
    } catch (err) {
      if (err instanceof ProbeRefused) this.count(moduleLabel, err.result);
      throw err;
    }
  }

  private check(query: ProbeQuery, known: (module: string) => void) {
    const raw = query.target;
    if (raw === undefined) throw new ProbeRefused('target is required: /probe?target=redis://host:6379', 'invalid');
    if (typeof raw !== 'string') throw new ProbeRefused('give one target per request', 'invalid');
    let target;
    try {
      target = parseTarget(raw);
    } catch (err) {
      if (err instanceof TargetRefused) throw new ProbeRefused(err.message, 'invalid');
      throw err;
    }
    if (Array.isArray(query.module)) throw new ProbeRefused('give at most one module', 'invalid');
    const asked = query.module as string | undefined;
    const name = asked === undefined || asked === '' ? target.kind : asked;
    const module = this.modules.get(name);
    if (!module) {
      // Echoed only when it looks like a module name: never a line break or markup from the request.
      const shown = MODULE_NAME.test(name) ? ` "${name}"` : '';
      throw new ProbeRefused(
        `unknown module${shown} (known: ${[...this.modules.keys()].join(', ')})`,
        'unknown_module',
      );
    }
    known(name);
    if (kindOfModule(module) !== target.kind)
      throw new ProbeRefused(
        `module "${name}" collects ${kindOfModule(module)} targets, not ${target.kind}`,
        'invalid',
      );
    // The one check that keeps /probe from being an open proxy: nothing else is ever contacted.
    if (!isAllowed(this.allow, target.host, target.port))
      throw new ProbeRefused('target is not allowed by multiTarget.allow', 'not_allowed');
    return { name, module, target };
  }

  private lookupCredentials(module: ModuleConfig, host: string, port: number): Credentials | undefined {
    const file = module.credentialsFile ?? this.config.multiTarget.credentialsFile;
    return file === undefined ? undefined : this.credentials.get(file)?.lookup(host, port);
  }

  private count(module: string, result: ProbeResult): void {
    const key = `${module}\n${result}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** The /metrics families of multi-target mode (labels bounded: modules and fixed sets). */
  families(): Promise<ExpositionFamily[]> {
    const batch = new MetricBatch();
    // Every configured module and result from the start, so rate() sees the first refusal.
    for (const module of this.modules.keys())
      for (const result of PROBE_RESULTS) batch.set(m.requests, 0, { module, result });
    for (const [key, count] of this.requests) {
      const [module, result] = key.split('\n') as [string, string];
      batch.set(m.requests, count, { module, result });
    }
    batch.set(m.targets, this.pool.size);
    for (const reason of ['evicted', 'idle', 'credentials'] as const)
      batch.set(m.closed, this.closed.get(reason) ?? 0, { reason });
    return Promise.resolve([...batch.families.values()].map(toExpositionFamily));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** Identifies credentials without keeping another copy of the password in memory. */
function fingerprint(credentials: Credentials | undefined): string {
  if (!credentials) return '';
  return createHash('sha256')
    .update(`${credentials.username ?? ''}\0${credentials.password ?? ''}`)
    .digest('base64');
}

import { z } from 'zod';
import { duration } from '../config/fields';
import { customQueriesSchema } from '../collectors/postgres/custom-config';
import { parseAllowPattern } from './allow';

/** Collectors a module may run, by the target scheme they read. */
export const MODULE_COLLECTORS = ['redis', 'bullmq', 'postgres', 'probes'] as const;
export type ModuleCollector = (typeof MODULE_COLLECTORS)[number];

/** Target kinds: each scheme belongs to one, and a module's collectors all read the same kind. */
export type TargetKind = 'redis' | 'postgres' | 'http';
export const KIND_OF_COLLECTOR: Readonly<Record<ModuleCollector, TargetKind>> = {
  redis: 'redis',
  bullmq: 'redis',
  postgres: 'postgres',
  probes: 'http',
};

/** The module used when a request names none: one per kind, named after it, overridable in config. */
export const DEFAULT_MODULES: Readonly<Record<TargetKind, { readonly collectors: readonly ModuleCollector[] }>> = {
  redis: { collectors: ['redis', 'bullmq'] },
  postgres: { collectors: ['postgres'] },
  http: { collectors: ['probes'] },
};

const moduleName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'module names are 1 to 64 of A-Z a-z 0-9 _ -');

function moduleSchema() {
  return z
    .object({
      collectors: z
        .array(z.enum(MODULE_COLLECTORS))
        .min(1, 'give at least one collector')
        .max(MODULE_COLLECTORS.length)
        .refine((c) => new Set(c).size === c.length, 'a collector is listed twice')
        .refine(
          (c) => new Set(c.map((name) => KIND_OF_COLLECTOR[name])).size === 1,
          'collectors of one module must read the same kind of target (redis and bullmq; postgres; probes)',
        ),
      /** Overrides multiTarget.credentialsFile for targets collected with this module. */
      credentialsFile: z.string().min(1).optional(),
      /** Where the bullmq collector looks for queues on each target. */
      bullmq: z
        .object({
          prefix: z.string().min(1).max(200).default('bull'),
          /** Empty: discover queues under the prefix on each target. */
          queues: z.array(z.string().min(1).max(1000)).max(10_000).default([]),
        })
        .strict()
        .default({}),
      /**
       * The postgres collector's custom SQL metrics (as collectors.postgres.queries), run on each
       * target of this module; collectors.postgres.queries belong to postgres.url only.
       */
      queries: customQueriesSchema(),
      /** https targets of the probes collector: accept any certificate (its expiry is still reported). */
      insecureSkipVerify: z.boolean().default(false),
    })
    .strict();
}

/**
 * `multiTarget`: GET /probe?target=...&module=... (the redis_exporter / postgres_exporter /
 * blackbox_exporter convention). Off while `allow` is empty: /probe then answers 404.
 */
export const multiTargetConfigSchema = z
  .object({
    /**
     * Targets /probe may contact: `host[:port]`, where host is a name with `*` matching within
     * one label (`*.redis.internal:6379`), an IP address, or a CIDR block (`10.0.0.0/8`,
     * `[fd00::/8]:6379`) that matches IP-address targets only. No port: any port.
     */
    allow: z
      .array(
        z
          .string()
          .max(300)
          .superRefine((text, ctx) => {
            const parsed = parseAllowPattern(text);
            if (typeof parsed === 'string') ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
          }),
      )
      .max(1000)
      .default([]),
    /** YAML or JSON file: `host:port` or `host` -> `{username, password}`; re-read when it changes. */
    credentialsFile: z.string().min(1).optional(),
    /** Targets whose connections are kept at most; the least recently scraped is closed first. */
    maxTargets: z.number().int().min(1).max(10_000).default(100),
    /** A target not scraped for this long has its connections closed. */
    idleTimeout: duration(1_000, 86_400_000).default('5m'),
    /** Concurrent /probe requests served; more get 503 (apart from web.maxRequests for /metrics). */
    maxRequests: z.number().int().min(1).max(10_000).default(100),
    /** Named collector sets; `redis`, `postgres` and `http` exist by default and are used when a request names none. */
    modules: z.record(moduleName, moduleSchema()).default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    // A request without module= uses the module named after its target's kind: it must read that kind.
    for (const [kind, module] of Object.entries(config.modules)) {
      if (kind in DEFAULT_MODULES && kindOfModule(module) !== kind)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['modules', kind, 'collectors'],
          message: `module "${kind}" is the default for ${kind} targets: its collectors must read ${kind}`,
        });
    }
  })
  .default({});

export type MultiTargetConfig = z.output<typeof multiTargetConfigSchema>;
export type ModuleConfig = MultiTargetConfig['modules'][string];

/** Configured modules plus the built-in default of each kind not overridden. */
export function effectiveModules(config: MultiTargetConfig): ReadonlyMap<string, ModuleConfig> {
  const modules = new Map<string, ModuleConfig>();
  for (const [kind, module] of Object.entries(DEFAULT_MODULES))
    modules.set(kind, {
      collectors: [...module.collectors],
      bullmq: { prefix: 'bull', queues: [] },
      queries: [],
      insecureSkipVerify: false,
    });
  for (const [name, module] of Object.entries(config.modules)) modules.set(name, module);
  return modules;
}

export function kindOfModule(module: ModuleConfig): TargetKind {
  return KIND_OF_COLLECTOR[module.collectors[0]];
}

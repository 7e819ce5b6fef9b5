import type { MetricDef } from '../src/metrics/define';
import type { MixinConfig } from './config';

/**
 * PromQL built from the exporter's metric definitions, so a renamed metric breaks the build.
 * `sel(def)` adds the exporter selector; `extra` adds matchers.
 */
export function sel(cfg: MixinConfig, def: MetricDef, extra = ''): string {
  return `${def.name}{${[cfg.selector, extra].filter(Boolean).join(',')}}`;
}

/** rate() over a counter only: a gauge passed here is a type error at build time. */
export function rate(cfg: MixinConfig, def: MetricDef<string, 'counter'>, window = cfg.rateWindow, extra = ''): string {
  return `rate(${sel(cfg, def, extra)}[${window}])`;
}

export function increase(
  cfg: MixinConfig,
  def: MetricDef<string, 'counter'>,
  window = cfg.rateWindow,
  extra = '',
): string {
  return `increase(${sel(cfg, def, extra)}[${window}])`;
}

/** Collapses whitespace so generated YAML keeps one-line expressions. */
export const oneLine = (expr: string) => expr.replace(/\s+/g, ' ').trim();

/**
 * One figure across replicas of an exporter that watch the same Redis: each replica reads the same
 * Redis and samples every finished job itself, so summing them would count everything twice.
 */
export function onceAcrossReplicas(cfg: MixinConfig, expr: string): string {
  return `max without (${cfg.exporterReplicaLabels.join(', ')}) (${expr})`;
}

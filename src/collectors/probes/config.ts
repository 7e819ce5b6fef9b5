import { z } from 'zod';
import { collectorSection, duration, url } from '../../config/fields';
import { namedTargets, targetName } from '../../config/targets';

/** Probes at most: each is a request per scrape and a handful of series. */
const MAX_TARGETS = 1000;

/**
 * `collectors.probes.targets`: the application's own health endpoints. Each has a name, the
 * `target` label, so the URL (which may hold credentials or tokens) never becomes a label.
 */
export function probeTargetsSchema() {
  const target = z
    .object({
      name: targetName,
      url: url(['http', 'https']),
      /** Bounded by what is left of the scrape deadline. */
      timeout: duration(50, 120_000).optional(),
      /** PEM file of the CA that signed the server's certificate (https), added to the system ones. */
      caFile: z.string().min(1).optional(),
      /** Accept any certificate (https); the expiry is still reported. */
      insecureSkipVerify: z.boolean().default(false),
    })
    .strict();
  return namedTargets(target, MAX_TARGETS);
}

export type ProbeTargetConfig = z.output<ReturnType<typeof probeTargetsSchema>>[number];

/** `collectors.probes`: HTTP(S) health endpoints of the application; on when targets are listed. */
export const probesConfigSchema = collectorSection('5s', {
  targets: probeTargetsSchema(),
  /** Probes in flight at once. */
  concurrency: z.number().int().min(1).max(64).default(4),
});

export type ProbesConfig = z.output<typeof probesConfigSchema>;

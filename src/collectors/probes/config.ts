import { z } from 'zod';
import type { duration as durationFactory, url as urlFactory } from '../../config/schema';

const TARGET_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

/** `name=url` (the PROBE_TARGETS form) as a target object; anything else is left to validation. */
export function parseTargetText(text: string): unknown {
  const eq = text.indexOf('=');
  return eq > 0 ? { name: text.slice(0, eq).trim(), url: text.slice(eq + 1).trim() } : { name: '', url: text };
}

/**
 * `collectors.probes.targets`: the application's own health endpoints. Each has a name, the
 * `target` label, so the URL (which may hold credentials or tokens) never becomes a label.
 */
export function probeTargetsSchema(duration: typeof durationFactory, url: typeof urlFactory) {
  const target = z
    .object({
      name: z.string().regex(TARGET_NAME, 'use 1-64 letters, digits, _ . or -'),
      url: url(['http', 'https']),
      /** Bounded by what is left of the scrape deadline. */
      timeout: duration(50, 120_000).optional(),
      /** PEM file of the CA that signed the server's certificate (https), added to the system ones. */
      caFile: z.string().min(1).optional(),
      /** Accept any certificate (https); the expiry is still reported. */
      insecureSkipVerify: z.boolean().default(false),
    })
    .strict();
  return z
    .array(z.preprocess((v) => (typeof v === 'string' ? parseTargetText(v) : v), target))
    .default([])
    .superRefine((targets, ctx) => {
      const seen = new Set<string>();
      targets.forEach((t, i) => {
        if (seen.has(t.name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'name'], message: `duplicate target name "${t.name}"` });
        seen.add(t.name);
      });
    });
}

export type ProbeTargetConfig = z.output<ReturnType<typeof probeTargetsSchema>>[number];

import { z } from 'zod';

/**
 * Named targets (probes, instrumented apps): each has a name, its `target` label, so the URL
 * (which may hold credentials or tokens) never becomes a label.
 */
export const targetName = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'use 1-64 letters, digits, _ . or -');

/** `name=url` (the PROBE_TARGETS / APP_TARGETS form) as a target object; anything else is left to validation. */
export function parseTargetText(text: string): unknown {
  const eq = text.indexOf('=');
  return eq > 0 ? { name: text.slice(0, eq).trim(), url: text.slice(eq + 1).trim() } : { name: '', url: text };
}

/** A list of at most `max` targets, given as objects or as `name=url` text, with unique names. */
export function namedTargets<T extends z.ZodType<{ name: string }, z.ZodTypeDef, unknown>>(target: T, max: number) {
  return z
    .array(z.preprocess((v) => (typeof v === 'string' ? parseTargetText(v) : v), target))
    .max(max)
    .default([])
    .superRefine((targets, ctx) => {
      const seen = new Set<string>();
      targets.forEach((t, i) => {
        if (seen.has(t.name))
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [i, 'name'],
            message: `duplicate target name "${t.name}"`,
          });
        seen.add(t.name);
      });
    });
}

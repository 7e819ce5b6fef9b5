import { z } from 'zod';
import type { duration as durationFactory, url as urlFactory } from '../../config/schema';
import { parseTargetText } from '../probes/config';

const TARGET_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
/** Applications read at most: each is one label value on a handful of series. */
const MAX_TARGETS = 100;

/**
 * APP_TARGETS is a comma-separated list and APP_TARGETS_FILE may hold one `name=url` per line:
 * both arrive as a list of strings, split here on new lines too; `#` starts a comment line.
 */
function splitLines(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.flatMap((v) =>
    typeof v === 'string'
      ? v
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter((line) => line && !line.startsWith('#'))
      : [v],
  );
}

/**
 * `collectors.app.targets`: where each instrumented application serves its JSON snapshot
 * (`snapshotHandler()` of jobstack-exporter/instrument). The name is the `target` label, so the
 * URL, which may hold credentials, never becomes a label.
 */
export function appTargetsSchema(duration: typeof durationFactory, url: typeof urlFactory) {
  const target = z
    .object({
      name: z.string().regex(TARGET_NAME, 'use 1-64 letters, digits, _ . or -'),
      url: url(['http', 'https']),
      /** Bounded by what is left of the scrape deadline. */
      timeout: duration(50, 120_000).optional(),
    })
    .strict();
  return z.preprocess(
    splitLines,
    z
      .array(z.preprocess((v) => (typeof v === 'string' ? parseTargetText(v) : v), target))
      .max(MAX_TARGETS)
      .default([])
      .superRefine((targets, ctx) => {
        const seen = new Set<string>();
        targets.forEach((t, i) => {
          if (seen.has(t.name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'name'], message: `duplicate target name "${t.name}"` });
          seen.add(t.name);
        });
      }),
  );
}

export type AppTargetConfig = z.output<ReturnType<typeof appTargetsSchema>>[number];

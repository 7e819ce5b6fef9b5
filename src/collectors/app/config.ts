import { z } from 'zod';
import { collectorSection, duration, url } from '../../config/fields';
import { namedTargets, targetName } from '../../config/targets';

/** Applications read at most: each is one label value on a handful of series. */
const MAX_TARGETS = 100;

/**
 * APP_TARGETS is a comma-separated list and APP_TARGETS_FILE may hold one `name=url` per line:
 * both arrive as a list of strings, split here on new lines too; `#` starts a comment line.
 */
function splitLines(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return (value as unknown[]).flatMap((v) =>
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
export function appTargetsSchema() {
  const target = z
    .object({
      name: targetName,
      url: url(['http', 'https']),
      /** Bounded by what is left of the scrape deadline. */
      timeout: duration(50, 120_000).optional(),
    })
    .strict();
  return z.preprocess(splitLines, namedTargets(target, MAX_TARGETS));
}

/**
 * `collectors.app`: JSON snapshots of applications instrumented with jobstack-exporter/instrument;
 * on when targets are listed.
 */
export const appConfigSchema = collectorSection('5s', {
  targets: appTargetsSchema(),
});

export type AppConfig = z.output<typeof appConfigSchema>;

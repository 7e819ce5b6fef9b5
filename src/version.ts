import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly nodejs: string;
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Version from package.json, revision written into dist/ at build time (see scripts/build.sh). */
export function buildInfo(): BuildInfo {
  const root = path.resolve(__dirname, '..');
  const pkg = readJson(path.join(root, 'package.json'));
  const built = readJson(path.join(__dirname, 'build-info.json'));
  return {
    version: typeof pkg.version === 'string' ? pkg.version : 'unknown',
    revision: typeof built.revision === 'string' ? built.revision : (process.env.JOBSTACK_REVISION ?? 'unknown'),
    nodejs: process.version,
  };
}

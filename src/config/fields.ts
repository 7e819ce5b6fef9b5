import { z } from 'zod';
import { parseDuration } from './duration';

/**
 * Schema building blocks shared by the config schema and the collectors' config slices
 * (src/collectors/<name>/config.ts): they import this, never the whole schema.
 */

/** A duration string (`10s`) within bounds, parsed to milliseconds. */
export function duration(minMs: number, maxMs: number) {
  return z.string({ invalid_type_error: 'expected a duration such as "10s"' }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a duration (use e.g. 500ms, 10s, 5m)` });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${text} is out of range (${minMs}ms to ${maxMs / 1000}s)`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * The part of a URL whose %-escapes do not decode (a bare `%` in a password), or undefined. The
 * URL parser accepts them, but every client decodes these parts later (ioredis threw "URI
 * malformed" at startup; pg took them silently), so they are refused here, by name, not value.
 */
function percentEncodingProblem(u: URL): string | undefined {
  const parts: [string, string][] = [
    ['user name', u.username],
    ['password', u.password],
    ['path', u.pathname],
    ['query', u.search],
  ];
  for (const [name, text] of parts) {
    try {
      decodeURIComponent(text);
    } catch {
      return `malformed percent-encoding in the URL's ${name} (write a literal % as %25)`;
    }
  }
  return undefined;
}

/** A URL with one of the given schemes; the message never repeats the URL (it may hold a password). */
export function url(schemes: readonly string[]) {
  return z.string().superRefine((text, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `not a valid URL (expected ${schemes.map((s) => `${s}://`).join(' or ')}...)`,
      });
      return;
    }
    const malformed = percentEncodingProblem(parsed);
    if (malformed) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: malformed });
    } else if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `scheme must be ${schemes.join(' or ')}, not ${parsed.protocol.replace(/:$/, '')}`,
      });
    } else if (!parsed.hostname && !parsed.searchParams.get('host')) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'URL has no host' });
    }
  });
}

/** A regular expression given as a string. */
/** One URL or several separated by commas (Redis Cluster seed nodes), each checked as `url` does. */
export function urlList(schemes: readonly string[]) {
  const one = url(schemes);
  return z.string().superRefine((text, ctx) => {
    const parts = text.split(',').map((s) => s.trim());
    parts.forEach((part, i) => {
      const result = one.safeParse(part);
      if (!result.success)
        for (const issue of result.error.issues)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: parts.length > 1 ? `URL ${i + 1} of ${parts.length}: ${issue.message}` : issue.message,
          });
    });
  });
}

export const regex = z.string().superRefine((text, ctx) => {
  try {
    new RegExp(text);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a valid regular expression' });
  }
});

/** host:port to listen on. */
export const listenAddress = z.string().superRefine((text, ctx) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not host:port with a port from 0 to 65535` });
  }
});

/** Settings every collector has. `enabled` absent means: on when its dependency is configured. */
export function collectorSection<S extends z.ZodRawShape>(defaultTimeout: string, extra: S) {
  return z
    .object({ enabled: z.boolean().optional(), timeout: duration(100, 120_000).default(defaultTimeout), ...extra })
    .strict()
    .default({} as never); // every field has a default; zod cannot see that through the generic
}

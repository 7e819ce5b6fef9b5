/**
 * Secrets never leave the process: every secret the config holds is registered here at
 * startup, and every log line, error message and JSON answer passes through `redact`.
 */
const secrets = new Set<string>();

/** Registers a secret value; values shorter than 4 characters are too common to scrub safely. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
  if (value) {
    try {
      // URL-encoded and decoded forms both appear in the wild.
      const decoded = decodeURIComponent(value);
      if (decoded.length >= 4) secrets.add(decoded);
      const encoded = encodeURIComponent(value);
      if (encoded.length >= 4) secrets.add(encoded);
    } catch {
      /* not URI-encoded: nothing more to add */
    }
  }
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
}

/** userinfo in any URL, e.g. redis://user:pass@host -> redis://user:***@host */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]*)@/gi;

export function redact(text: string): string {
  let out = text.replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
  // Longest first, so a secret containing another is scrubbed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

/** A one-line, redacted description of anything thrown. */
export function errorMessage(err: unknown): string {
  let text: string;
  if (err instanceof AggregateError && err.errors.length) {
    text = err.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  } else if (err instanceof Error) {
    text = err.message || err.name;
    const code = (err as NodeJS.ErrnoException).code;
    if (code && !text.includes(code)) text = `${code}: ${text}`;
  } else {
    text = String(err);
  }
  return redact(text.replace(/\s*\n\s*/g, ' ').slice(0, 500));
}

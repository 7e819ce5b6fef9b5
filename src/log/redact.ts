/**
 * Secrets never leave the process: main creates one Redactor, the config loader registers every
 * secret the config holds in it, and every log line, error message and JSON answer passes through
 * it (collectors reach it through the logger they are given). No module state: a test makes its own.
 */

/** userinfo in any URL, e.g. redis://user:pass@host -> redis://user:***@host */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]*)@/gi;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret value; values shorter than 4 characters are too common to scrub safely. */
  register(value: string | undefined): void {
    if (value && value.length >= 4) this.secrets.add(value);
    if (value) {
      try {
        // URL-encoded and decoded forms both appear in the wild.
        const decoded = decodeURIComponent(value);
        if (decoded.length >= 4) this.secrets.add(decoded);
        const encoded = encodeURIComponent(value);
        if (encoded.length >= 4) this.secrets.add(encoded);
      } catch {
        /* not URI-encoded: nothing more to add */
      }
    }
  }

  /** Registers the password of a URL with credentials (both its encoded and decoded forms). */
  registerUrlPassword(url: string | URL | undefined): void {
    if (!url) return;
    try {
      this.register(new URL(url).password);
    } catch {
      /* not a URL: validated elsewhere */
    }
  }

  redact(text: string): string {
    let out = text.replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
    // Longest first, so a secret containing another is scrubbed whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
    return out;
  }

  /** A one-line, redacted description of anything thrown. */
  errorMessage(err: unknown): string {
    // Redacted before the cut, so a secret across the 500th character is not left half shown.
    return this.redact(describeError(err)).slice(0, 500);
  }
}

/**
 * A one-line description of anything thrown, bounded before the regex runs. Not redacted: for text
 * that reaches a Redactor later (an error message rethrown to the runner).
 */
export function describeError(err: unknown): string {
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
  return text.slice(0, 4096).replace(/\s*\n\s*/g, ' ');
}

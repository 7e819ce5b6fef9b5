import type Koa from 'koa';

/**
 * One bounded admission for every endpoint that collects or renders (/metrics, /dashboard/data,
 * /health/detailed): at most `max` of them in progress together, the next get 503 at once.
 * It is attached to the routes themselves, not matched on a path string, so no spelling of a
 * path (`/metrics/`, `/METRICS`) can reach a handler around it. Requests admitted while a
 * collection runs share it (ScrapeRunner coalesces), so the cap bounds rendering and memory,
 * while /health and the static files never wait behind it.
 *
 * Admitted answers also leave one per event-loop turn: requests that share a collection are all
 * ready at the same moment, and writing ten answers of a megabyte back to back held the loop (and
 * /health) for 50-150 ms; between two answers the loop now polls its sockets.
 */
export class Admission {
  private inFlight = 0;
  /** The turn of the last answer released; the next one is released a turn later. */
  private lastTurn: Promise<void> = Promise.resolve();
  /** Requests refused since startup (tests and the abuse suite read it). */
  refused = 0;

  constructor(
    readonly max: number,
    /** The endpoints sharing this admission, for the 503 message. */
    private readonly scope = '/metrics, /dashboard/data and /health/detailed',
  ) {}

  get active(): number {
    return this.inFlight;
  }

  readonly middleware: Koa.Middleware = async (ctx, next) => {
    if (this.inFlight >= this.max) {
      this.refused++;
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.type = 'text/plain';
      ctx.body = `too many concurrent requests (limit ${this.max} across ${this.scope})\n`;
      return;
    }
    this.inFlight++;
    try {
      await next();
      await this.turn();
    } finally {
      this.inFlight--;
    }
  };

  /** Resolves in an event-loop turn of its own, after the turn of every answer released before. */
  private turn(): Promise<void> {
    const turn = this.lastTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.lastTurn = turn;
    return turn;
  }
}

import type { ServerResponse } from 'node:http';

/** How many responses are found by a scan of slots before the rest go to a Map. */
const SLOTS = 16;

/**
 * Responses being measured, to their request's state: how the writeHead hook and
 * `correlationIdOf` find it.
 *
 * Not a property on the response: Express re-prototypes its responses, and a symbol added to one
 * cost 40,000 CPU instructions per request (a new hidden class each time); on Node's own responses
 * it made Node's response code polymorphic (+5% for Koa). Not a WeakMap: its entries, each holding
 * a response, survived young-generation GCs and tripled their cost. Not a Map alone: keying a Map
 * by a new object makes V8 generate and store an identity hash for it, and a Map going from 0 to 1
 * entry and back on every request allocates, rehashes and shrinks its table; together about 800
 * instructions a request (callgrind), a quarter of the library's cost on a hello-world Koa request.
 *
 * So the first 16 responses in flight sit in slots compared by identity, which is a few
 * instructions each, and only the rest go to a Map. Each entry is removed when its response closes,
 * which Node guarantees for every response, so nothing grows with traffic.
 */
export class InFlight<T> {
  private readonly responses: (ServerResponse | undefined)[] = new Array<undefined>(SLOTS).fill(undefined);
  private readonly states: (T | undefined)[] = new Array<undefined>(SLOTS).fill(undefined);
  /** Slots at and after this index are free: lookups scan no further. */
  private used = 0;
  private readonly overflow = new Map<ServerResponse, T>();

  /** Adds a response; the answer is its slot, to give back to `delete` (-1: in the Map). */
  add(res: ServerResponse, state: T): number {
    const responses = this.responses;
    for (let i = 0; i < SLOTS; i++) {
      if (responses[i] === undefined) {
        responses[i] = res;
        this.states[i] = state;
        if (i >= this.used) this.used = i + 1;
        return i;
      }
    }
    this.overflow.set(res, state);
    return -1;
  }

  get(res: ServerResponse): T | undefined {
    const responses = this.responses;
    for (let i = 0; i < this.used; i++) if (responses[i] === res) return this.states[i];
    return this.overflow.size === 0 ? undefined : this.overflow.get(res);
  }

  delete(res: ServerResponse, slot: number): void {
    if (slot < 0) {
      this.overflow.delete(res);
      return;
    }
    this.responses[slot] = undefined;
    this.states[slot] = undefined;
    while (this.used > 0 && this.responses[this.used - 1] === undefined) this.used--;
  }

  /** Responses held, for tests: slots and Map together. */
  get size(): number {
    let n = this.overflow.size;
    for (let i = 0; i < this.used; i++) if (this.responses[i] !== undefined) n++;
    return n;
  }
}

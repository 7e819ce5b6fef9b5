import { OutgoingMessage, ServerResponse } from 'node:http';

/** A measured response's request state, as the hook and `correlationIdOf` use it. */
interface Measured {
  beforeHeaders(status: number): void;
  correlationId(): string;
}

/**
 * Responses being measured, to their request's state: how the writeHead hook and `correlationIdOf`
 * find it. Not a property on the response: Express re-prototypes its responses, and a symbol added
 * to one cost 40,000 CPU instructions per request (a new hidden class each time); on Node's own
 * responses it made Node's response code polymorphic (+5% for Koa). Not a WeakMap: its entries,
 * each holding a response, survived young-generation GCs and tripled their cost. A Map whose entry
 * is deleted when the response closes, which Node guarantees for every response (about 600
 * instructions a request, measured with callgrind).
 */
export const inFlight = new Map<ServerResponse, Measured>();

let watching = false;
let finishedGetter: ((this: ServerResponse) => boolean) | undefined;

/**
 * `res.writableFinished` through Node's getter itself: the same answer without a property read on
 * the response (see RequestState.beforeHeaders).
 */
export function writableFinished(res: ServerResponse): boolean {
  return finishedGetter === undefined ? res.writableFinished : finishedGetter.call(res);
}

/**
 * Wraps `ServerResponse.prototype.writeHead` once: every way a response's headers go out (Node's
 * implicit headers on the first write or `end`, `flushHeaders`, Koa, Express and Fastify alike)
 * passes through it, so a measured response learns its status and route there and can still add
 * its `x-request-id`. Node has no event for that moment. Responses nobody measures pay one
 * lookup; the original is called with the same arguments and its result returned.
 */
export function watchHeaders(): void {
  if (watching) return;
  watching = true;
  // Node's getter, called with a response as `this` (see writableFinished).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  finishedGetter = Object.getOwnPropertyDescriptor(OutgoingMessage.prototype, 'writableFinished')?.get as
    ((this: ServerResponse) => boolean) | undefined;
  const proto = ServerResponse.prototype as unknown as {
    writeHead: (this: ServerResponse, status: unknown, reason?: unknown, headers?: unknown) => ServerResponse;
  };
  const original = proto.writeHead;
  proto.writeHead = function writeHead(status, reason, headers) {
    const measured = inFlight.get(this);
    if (measured !== undefined && typeof status === 'number') measured.beforeHeaders(status);
    return arguments.length > 2
      ? original.call(this, status, reason, headers)
      : arguments.length > 1
        ? original.call(this, status, reason)
        : original.call(this, status);
  };
}

import { ServerResponse } from 'node:http';

/** A measured response's request state, as the hook and `correlationIdOf` use it. */
interface Measured {
  beforeHeaders(status: number): void;
  correlationId(): string;
}

/**
 * Responses being measured, to their request's state: how the writeHead hook and `correlationIdOf`
 * find it. Not a property on the response (see RequestState) and not a WeakMap (its entries, each
 * holding a response, survived young-generation GCs and tripled their cost): a Map whose entry is
 * deleted when the response closes, which Node guarantees for every response.
 */
export const inFlight = new Map<ServerResponse, Measured>();

let watching = false;

/**
 * Wraps `ServerResponse.prototype.writeHead` once: every way a response's headers go out (Node's
 * implicit headers on the first write or `end`, `flushHeaders`, Koa, Express and Fastify alike)
 * passes through it, so a response learns it is about to send its headers and can still add its
 * `x-request-id`. Node has no event for that moment. Responses nobody measures pay one WeakMap
 * lookup; the original is called with the same arguments and its result returned.
 */
export function watchHeaders(): void {
  if (watching) return;
  watching = true;
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

import { OutgoingMessage, ServerResponse } from 'node:http';
import { InFlight } from './in-flight';

/** A measured response's request state, as the hooks and `correlationIdOf` use it. */
interface Measured {
  beforeHeaders(status: number): void;
  closed(): void;
  correlationId(): string;
}

/** Responses being measured, to their request's state (see InFlight). */
export const inFlight = new InFlight<Measured>();

let watching = false;
let finishedGetter: ((this: ServerResponse) => boolean) | undefined;

/**
 * `res.writableFinished` through Node's getter itself: the same answer without a property read on
 * the response (see RequestState.beforeHeaders).
 */
export function writableFinished(res: ServerResponse): boolean {
  return finishedGetter === undefined ? res.writableFinished : finishedGetter.call(res);
}

type Method = (this: ServerResponse, ...args: unknown[]) => unknown;

/**
 * Wraps two methods of `ServerResponse.prototype`, once, so that a measured response is seen at the
 * two moments that matter without anything added to the response itself:
 *
 * - `writeHead`: every way a response's headers go out (Node's implicit headers on the first write
 *   or `end`, `flushHeaders`, Koa, Express and Fastify alike) passes through it, so a measured
 *   response learns its status and route there and can still add its `x-request-id`. Node has no
 *   event for that moment.
 * - `emit`, for `close`: Node sends it once for every response, answered or cut off, and it is when
 *   the request is recorded. Not a `close` listener per response: adding one makes Node's
 *   `addListener` read and write the response's own fields, and on Express's re-prototyped
 *   responses each of those misses V8's caches (three misses, several thousand CPU instructions a
 *   request); on Koa the listener and its closure were about 600 instructions, where this hook
 *   costs about 50 per event.
 *
 * Responses nobody measures pay one comparison per event and a scan of the in-flight slots per
 * `close` and `writeHead`. The originals are called with the same arguments and their results
 * returned; the state is told before the `close` listeners run, as a listener added first was.
 */
export function watchResponses(): void {
  if (watching) return;
  watching = true;
  // Node's getter, called with a response as `this` (see writableFinished).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  finishedGetter = Object.getOwnPropertyDescriptor(OutgoingMessage.prototype, 'writableFinished')?.get as
    ((this: ServerResponse) => boolean) | undefined;
  const proto = ServerResponse.prototype as unknown as { writeHead: Method; emit: Method };
  const originalWriteHead = proto.writeHead;
  proto.writeHead = function writeHead(status, reason, headers) {
    const measured = inFlight.get(this);
    if (measured !== undefined && typeof status === 'number') measured.beforeHeaders(status);
    return arguments.length > 2
      ? originalWriteHead.call(this, status, reason, headers)
      : arguments.length > 1
        ? originalWriteHead.call(this, status, reason)
        : originalWriteHead.call(this, status);
  };
  const originalEmit = proto.emit;
  proto.emit = function emit(event) {
    // Every state of this response: one measured twice (two entry points around the same app)
    // records under both and leaves nothing held. Each `closed` removes its own entry (an entry
    // is removed as its request ends, so none left is ended), so the loop ends.
    if (event === 'close') for (let m = inFlight.get(this); m !== undefined; m = inFlight.get(this)) m.closed();
    // eslint-disable-next-line prefer-rest-params
    return arguments.length === 1 ? originalEmit.call(this, event) : Reflect.apply(originalEmit, this, arguments);
  };
}

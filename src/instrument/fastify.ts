import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentOptions } from './options';
import { recorderFor } from './recorder';
import { begin } from './request';

/** What the plugin reads of a Fastify 5 request: the raw objects and the matched route's url. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  readonly routeOptions?: { readonly url?: string };
}
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
}
export interface FastifyInstanceLike {
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void,
  ): unknown;
}

export type FastifyPlugin = ((
  instance: FastifyInstanceLike,
  options: InstrumentOptions,
  done: (error?: Error) => void,
) => void) & {
  readonly [key: symbol]: unknown;
};

/** Fastify 5 leaves `routeOptions.url` undefined for requests no route matched (its 404 handler). */
const fastifyRoute = (request: FastifyRequestLike): string | undefined => request.routeOptions?.url;

function plugin(instance: FastifyInstanceLike, options: InstrumentOptions, done: (error?: Error) => void): void {
  let recorder;
  try {
    recorder = recorderFor(options);
  } catch (error) {
    done(error as Error);
    return;
  }
  const measured = recorder;
  instance.addHook('onRequest', (request, reply, next) => {
    begin(measured, request.raw, reply.raw, request, fastifyRoute);
    next();
  });
  done();
}

/**
 * Fastify 5 plugin: `await app.register(fastifyPlugin, options)`. It measures every route of the
 * instance, wherever it is registered (it opts out of encapsulation as fastify-plugin would). Errors
 * a handler throws are answered by Fastify's error handler; the status sent is recorded.
 */
export const fastifyPlugin: FastifyPlugin = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'jobstack-exporter/instrument',
  [Symbol.for('plugin-meta')]: { name: 'jobstack-exporter/instrument', fastify: '5.x' },
});

/**
 * `jobstack-exporter/instrument`: in-process HTTP and WebSocket metrics for the team's API, in the
 * prom-client registry it already serves, plus a JSON snapshot for the exporter's `app` collector.
 * Loads prom-client and nothing heavier; creates nothing until an entry point is called.
 */
export { koaMiddleware, type KoaMiddleware, type KoaContextLike } from './koa';
export { expressMiddleware, type ExpressMiddleware, type ExpressRequestLike } from './express';
export {
  fastifyPlugin,
  type FastifyPlugin,
  type FastifyInstanceLike,
  type FastifyRequestLike,
  type FastifyReplyLike,
} from './fastify';
export { wrapHandler, type WrapHandlerOptions } from './node-http';
export { watchWebSocketServer, type WebSocketLike, type WebSocketServerLike } from './websocket';
export { snapshotHandler, takeSnapshot, type SnapshotHandler } from './snapshot-handler';
export { correlationIdOf } from './request';
export type { InstrumentOptions } from './options';
export { instrumentMetrics, OTEL_HTTP_DURATION_BUCKETS, WS_CLOSE_CODE_CLASSES } from './metrics';
export * from './snapshot';

import { OTHER_METHOD } from './snapshot';

/**
 * Label values computed once: methods map to a small index (OpenTelemetry's known methods, anything
 * else `_OTHER`) and status codes to cached strings, so the hot path builds no strings.
 */
export const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
  OTHER_METHOD,
] as const;
export const OTHER_METHOD_INDEX = METHODS.length - 1;

/**
 * A scan, not a Map: Node's parser hands out its own interned method strings, so each comparison
 * is a pointer check and GET is found by the first; a Map lookup hashes the string, about 100 CPU
 * instructions a request (callgrind).
 */
export function methodIndex(method: string | undefined): number {
  for (let i = 0; i < OTHER_METHOD_INDEX; i++) if (METHODS[i] === method) return i;
  return OTHER_METHOD_INDEX;
}

const STATUS_LABELS: string[] = [];
/** Status as a label; Node keeps `res.statusCode` within 100-999, 0 means no response was sent. */
export function statusLabel(status: number): string {
  return (STATUS_LABELS[status] ??= String(status));
}

/**
 * What prom-client's constructors take from a definition. Never spread a whole definition into
 * them: prom-client copies every config key onto the metric, and `labels` would replace its method.
 */
export const nameAndHelp = (def: { readonly name: string; readonly help: string }) => ({
  name: def.name,
  help: def.help,
});

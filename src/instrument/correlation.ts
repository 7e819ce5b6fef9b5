import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const TRACE_ID = /^[0-9a-f]{32}$/;
const ZERO_TRACE_ID = '0'.repeat(32);

/**
 * The caller's correlation id: `x-request-id`, else `x-correlation-id`, else the trace id of a
 * W3C `traceparent` (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`). Returned uncut: it is
 * cut only when a record keeps it.
 */
export function incomingCorrelationId(headers: IncomingHttpHeaders): string | undefined {
  const requestId = headers['x-request-id'];
  if (typeof requestId === 'string' && requestId !== '') return requestId;
  const correlationId = headers['x-correlation-id'];
  if (typeof correlationId === 'string' && correlationId !== '') return correlationId;
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string' && traceparent.length >= 55 && traceparent.charCodeAt(2) === 45 /* - */) {
    const traceId = traceparent.slice(3, 35).toLowerCase();
    if (TRACE_ID.test(traceId) && traceId !== ZERO_TRACE_ID) return traceId;
  }
  return undefined;
}

export const newCorrelationId = (): string => randomUUID();

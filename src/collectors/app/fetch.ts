import http from 'node:http';
import https from 'node:https';
import { timedOut, withTimeout } from '../../runner/deadline';

export interface FetchRequest {
  readonly url: URL;
  readonly timeoutMs: number;
  /** Bytes read at most; a longer answer is abandoned, not parsed. */
  readonly maxBytes: number;
}

export type FetchResult = { readonly body: string } | { readonly error: string };

/**
 * One GET for a snapshot, settling within `timeoutMs` or when `signal` aborts, whatever the app
 * does: refuses, hangs before or after the headers, trickles, or sends more than `maxBytes`
 * (refused from Content-Length when it says so, else cut off as it arrives). Credentials in the
 * URL go out as basic auth. Never throws; errors say what went wrong, never the URL.
 */
export function fetchSnapshot(req: FetchRequest, signal: AbortSignal): Promise<FetchResult> {
  const started = performance.now();
  const stop = withTimeout(signal, req.timeoutMs);
  return new Promise<FetchResult>((resolve) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let bytes = 0;
    const finish = (result: FetchResult) => {
      if (settled) return;
      settled = true;
      stop.removeEventListener('abort', onAbort);
      if ('error' in result) request.destroy();
      resolve(result);
    };
    const tooBig = () => ({ error: `answer larger than ${req.maxBytes} bytes` });
    const options: http.RequestOptions = {
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'jobstack-exporter', accept: 'application/json' },
    };
    const request = (req.url.protocol === 'https:' ? https : http).request(req.url, options, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) return finish({ error: `HTTP ${status}` });
      if (Number(res.headers['content-length'] ?? 0) > req.maxBytes) return finish(tooBig());
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > req.maxBytes) return finish(tooBig());
        chunks.push(chunk);
      });
      res.on('error', (err) => finish({ error: err.message }));
      res.on('end', () => finish({ body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', (err) => finish({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    request.end();
    // The scrape's deadline or the target's own timeout passed; or else the scrape was cancelled.
    const onAbort = () => {
      const waitedMs = timedOut(signal) ? performance.now() - started : req.timeoutMs;
      finish({
        error: timedOut(stop)
          ? `no complete answer within ${(waitedMs / 1000).toFixed(2)}s`
          : 'aborted at the scrape deadline',
      });
    };
    stop.addEventListener('abort', onAbort, { once: true });
    if (stop.aborted) onAbort();
  });
}

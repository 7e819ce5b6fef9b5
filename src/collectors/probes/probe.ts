import http from 'node:http';
import https from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { timedOut, withTimeout } from '../../runner/deadline';

export interface ProbeRequest {
  readonly url: URL;
  readonly timeoutMs: number;
  /** Extra trusted CA certificates (PEM) for https, besides the system ones; undefined: system only. */
  readonly ca?: readonly string[];
  readonly insecureSkipVerify?: boolean;
}

export interface ProbeResult {
  readonly success: boolean;
  readonly durationSeconds: number;
  /** 0 when no response arrived. */
  readonly statusCode: number;
  /** Earliest notAfter of the presented chain, Unix seconds (https only). */
  readonly certExpiry?: number;
  /** Why it failed (not for labels: it may name hosts); absent on success. */
  readonly error?: string;
}

/** A certificate as getPeerCertificate(true) returns it: linked to its issuer. */
type CertificateLink = PeerCertificate & { issuerCertificate?: CertificateLink };

/** The earliest expiry in a peer certificate chain, walking issuers until the chain ends or loops. */
export function earliestExpiry(cert: PeerCertificate | undefined): number | undefined {
  let earliest: number | undefined;
  const seen = new Set<PeerCertificate>();
  let current: CertificateLink | undefined = cert;
  while (current && current.valid_to && !seen.has(current)) {
    seen.add(current);
    const expiry = Date.parse(current.valid_to) / 1000;
    if (Number.isFinite(expiry) && (earliest === undefined || expiry < earliest)) earliest = expiry;
    current = current.issuerCertificate;
  }
  return earliest;
}

/**
 * One GET on a fresh connection (no keep-alive, so every probe includes connecting and the
 * TLS handshake, and always sees the certificate). The body is read and discarded. Never
 * throws: every outcome is a ProbeResult, and it settles within `timeoutMs` or when `signal` aborts.
 */
export function probe(req: ProbeRequest, signal: AbortSignal): Promise<ProbeResult> {
  const stop = withTimeout(signal, req.timeoutMs);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  return new Promise<ProbeResult>((resolve) => {
    let statusCode = 0;
    let certExpiry: number | undefined;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      stop.removeEventListener('abort', onAbort);
      const success = !error && statusCode >= 200 && statusCode < 300;
      const problem = error ? error.message : success ? undefined : `HTTP ${statusCode}`;
      resolve({ success, durationSeconds: elapsed(), statusCode, certExpiry, error: problem });
    };
    const isHttps = req.url.protocol === 'https:';
    const options: https.RequestOptions = {
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'jobstack-exporter', accept: '*/*' },
      ...(isHttps ? { rejectUnauthorized: !req.insecureSkipVerify, ...(req.ca ? { ca: [...req.ca] } : {}) } : {}),
    };
    const request = (isHttps ? https : http).request(req.url, options, (res) => {
      statusCode = res.statusCode ?? 0;
      if (isHttps) certExpiry = earliestExpiry((res.socket as TLSSocket).getPeerCertificate(true));
      res.on('error', (err) => finish(err));
      res.on('end', () => finish());
      res.resume();
    });
    request.on('error', (err) => finish(err));
    request.end();
    // The scrape's deadline or the probe's own timeout passed; or else the scrape was cancelled.
    const onAbort = () => {
      const waitedMs = timedOut(signal) ? performance.now() - started : req.timeoutMs;
      finish(
        new Error(
          timedOut(stop) ? `timed out after ${(waitedMs / 1000).toFixed(2)}s` : 'aborted at the scrape deadline',
        ),
      );
      request.destroy();
    };
    stop.addEventListener('abort', onAbort, { once: true });
    if (stop.aborted) onAbort();
  });
}

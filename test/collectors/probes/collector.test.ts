import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ProbesCollector } from '../../../src/collectors/probes/collector';
import { probeMetrics as m } from '../../../src/collectors/probes/metrics';
import { parseArgs } from '../../../src/config/args';
import { ConfigError } from '../../../src/config/errors';
import { loadConfig } from '../../../src/config/load';
import { configSchema } from '../../../src/config/schema';
import { createLogger } from '../../../src/log/logger';
import { clearSecrets } from '../../../src/log/redact';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { freePort, sleep, tempDir } from '../../harness/process';
import { renderBatch, runOnce } from '../../harness/collect';

const tmp = tempDir('probes');
const certFile = path.join(tmp.dir, 'cert.pem');
const keyFile = path.join(tmp.dir, 'key.pem');
const AUTH = { user: 'health', password: 'probe-Pass-9981' };

let inFlight = 0;
let mostInFlight = 0;
const hanging = new Set<http.ServerResponse>();

/** The application's health endpoints, as the tests need them. */
const handler: http.RequestListener = (req, res) => {
  const route = req.url ?? '/';
  if (route === '/ok') res.end('fine');
  else if (route === '/fail') {
    res.statusCode = 500;
    res.end('broken');
  } else if (route === '/slow') hanging.add(res);
  else if (route === '/auth') {
    const expected = `Basic ${Buffer.from(`${AUTH.user}:${AUTH.password}`).toString('base64')}`;
    res.statusCode = req.headers.authorization === expected ? 200 : 401;
    res.end();
  } else if (route === '/count') {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('counted');
    }, 50);
  } else {
    res.statusCode = 404;
    res.end();
  }
};

let plain: http.Server;
let secure: https.Server;
let httpUrl = '';
let httpsUrl = '';
const logLines: string[] = [];
const log = createLogger('debug', (l) => logLines.push(l));

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1, made with the openssl CLI.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '30',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  plain = http.createServer(handler);
  secure = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handler);
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  httpUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  httpsUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  plain.closeAllConnections();
  secure.closeAllConnections();
  await Promise.all([new Promise((r) => plain.close(r)), new Promise((r) => secure.close(r))]);
  tmp.remove();
  clearSecrets();
});

function collector(section: Record<string, unknown>): ProbesCollector {
  return new ProbesCollector(configSchema.parse({ collectors: { probes: section } }).collectors.probes);
}

const scrape = (c: ProbesCollector, budgetMs = 3000) => runOnce(c, budgetMs, { log });

describe('HTTP probe collector', () => {
  test('200, 500, timeout, refused, and https with its certificate expiry', async () => {
    const refusedPort = await freePort();
    const c = collector({
      targets: [
        { name: 'ok', url: `${httpUrl}/ok` },
        { name: 'fail', url: `${httpUrl}/fail` },
        { name: 'slow', url: `${httpUrl}/slow`, timeout: '300ms' },
        { name: 'refused', url: `http://127.0.0.1:${refusedPort}/health` },
        { name: 'tls', url: `${httpsUrl}/ok`, caFile: certFile },
        { name: 'tls_untrusted', url: `${httpsUrl}/ok` },
        { name: 'tls_insecure', url: `${httpsUrl}/fail`, insecureSkipVerify: true },
      ],
    });
    logLines.length = 0;
    const o = await scrape(c);
    expect(o.success).toBe(true);
    expect(o.batch.get(m.up)).toBe(1);
    const row = (target: string) => [o.batch.get(m.success, { target }), o.batch.get(m.statusCode, { target })];
    expect(row('ok')).toEqual([1, 200]);
    expect(row('fail')).toEqual([0, 500]);
    expect(row('slow')).toEqual([0, 0]);
    expect(row('refused')).toEqual([0, 0]);
    expect(row('tls')).toEqual([1, 200]);
    expect(row('tls_untrusted')).toEqual([0, 0]);
    expect(row('tls_insecure')).toEqual([0, 500]);
    for (const target of ['ok', 'fail', 'slow', 'refused', 'tls'])
      expect(o.batch.get(m.duration, { target })!).toBeGreaterThan(0);
    // The timeout, not a fast failure: a timer may fire up to a millisecond before performance.now() says 300 ms.
    expect(o.batch.get(m.duration, { target: 'slow' })!).toBeGreaterThanOrEqual(0.29);

    const notAfter = Date.parse(new X509Certificate(readFileSync(certFile)).validTo) / 1000;
    expect(o.batch.get(m.certExpiry, { target: 'tls' })).toBe(notAfter);
    expect(o.batch.get(m.certExpiry, { target: 'tls_insecure' })).toBe(notAfter);
    expect(o.batch.get(m.certExpiry, { target: 'tls_untrusted' })).toBeUndefined();
    expect(o.batch.get(m.certExpiry, { target: 'ok' })).toBeUndefined();

    const failures = logLines.filter((l) => l.includes('probe failed')).join('\n');
    expect(failures).toMatch(/"target":"slow".*timed out after 0.30s/);
    expect(failures).toMatch(/"target":"refused".*ECONNREFUSED/);
    expect(failures).toMatch(/"target":"tls_untrusted".*self-signed certificate/);
    expect(failures).toMatch(/"target":"fail".*HTTP 500/);
    expect(promtoolCheckMetrics(renderBatch(o.batch))).toBe('');
  });

  test('basic-auth credentials in the URL are sent and never shown', async () => {
    const withAuth = `${httpUrl.replace('http://', `http://${AUTH.user}:${AUTH.password}@`)}/auth`;
    const c = collector({
      targets: [
        { name: 'auth', url: withAuth },
        { name: 'noauth', url: `${httpUrl}/auth` },
        { name: 'refused_auth', url: `http://${AUTH.user}:${AUTH.password}@127.0.0.1:${await freePort()}/` },
      ],
    });
    logLines.length = 0;
    const o = await scrape(c);
    expect(o.batch.get(m.success, { target: 'auth' })).toBe(1);
    expect(o.batch.get(m.statusCode, { target: 'noauth' })).toBe(401);
    const text = renderBatch(o.batch);
    for (const out of [text, ...logLines]) expect(out).not.toContain(AUTH.password);
  });

  test('at most `concurrency` probes in flight', async () => {
    mostInFlight = 0;
    const c = collector({
      concurrency: 2,
      targets: Array.from({ length: 6 }, (_, i) => ({ name: `t${i}`, url: `${httpUrl}/count` })),
    });
    const o = await scrape(c);
    expect(o.batch.samples(m.success).map((s) => s.value)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(mostInFlight).toBe(2);
  });

  test('a hanging target without its own timeout is cut at the scrape deadline; the others still report', async () => {
    const c = collector({
      targets: [
        { name: 'hang', url: `${httpUrl}/slow` },
        { name: 'ok', url: `${httpUrl}/ok` },
      ],
    });
    const o = await scrape(c, 400);
    expect(o.success).toBe(true);
    expect(o.batch.get(m.success, { target: 'hang' })).toBe(0);
    expect(o.batch.get(m.success, { target: 'ok' })).toBe(1);
    await sleep(10);
  });

  test('config: name=url pairs from PROBE_TARGETS, duplicate names and an unreadable caFile stop startup', () => {
    const env = { PROBE_TARGETS: `api=${httpUrl}/ok, worker=${httpsUrl}/health` };
    const { config } = loadConfig(parseArgs([]), env);
    expect(config.collectors.probes.targets.map((t) => [t.name, t.url])).toEqual([
      ['api', `${httpUrl}/ok`],
      ['worker', `${httpsUrl}/health`],
    ]);
    const problems = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join('\n');
        throw err;
      }
      return '';
    };
    expect(problems(() => loadConfig(parseArgs([]), { PROBE_TARGETS: `a=${httpUrl},a=${httpUrl}` }))).toMatch(
      /collectors\.probes\.targets\.1\.name: duplicate target name "a"/,
    );
    expect(problems(() => loadConfig(parseArgs([]), { PROBE_TARGETS: `${httpUrl}/no-name` }))).toMatch(
      /collectors\.probes\.targets\.0\.name/,
    );
    expect(problems(() => loadConfig(parseArgs([]), { PROBE_TARGETS: 'x=ftp://host/' }))).toMatch(
      /targets\.0\.url: scheme must be http or https/,
    );
    expect(
      problems(() => collector({ targets: [{ name: 'x', url: httpsUrl, caFile: '/nonexistent/ca.pem' }] })),
    ).toMatch(/collectors\.probes\.targets\.0\.caFile: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
  });
});

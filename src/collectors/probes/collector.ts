import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { Collector, CollectContext } from '../types';
import { ConfigError } from '../../config/errors';
import { redact, registerSecret } from '../../log/redact';
import { probeMetrics as m } from './metrics';
import { probe, type ProbeRequest } from './probe';
import type { ProbeTargetConfig, ProbesConfig } from './config';

interface Target {
  readonly name: string;
  readonly request: Omit<ProbeRequest, 'timeoutMs'>;
  readonly timeoutMs?: number;
}

/**
 * Probes the application's own health endpoints, at most `concurrency` at once, each under
 * its timeout and the scrape deadline. A failing target is probe_success 0; the collector
 * itself only fails when the whole run misses the deadline.
 */
export class ProbesCollector implements Collector {
  readonly name = 'probes';
  readonly up = m.up;
  private readonly targets: readonly Target[];

  constructor(private readonly config: ProbesConfig) {
    const problems: string[] = [];
    this.targets = config.targets.map((t, i) => toTarget(t, `collectors.probes.targets.${i}`, problems));
    if (problems.length) throw new ConfigError(problems);
  }

  async collect({ out, signal, log }: CollectContext): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.targets.length) {
        const target = this.targets[next++];
        // The scrape's signal cuts it at the deadline; the target's own timeout may be shorter.
        const timeoutMs = target.timeoutMs ?? this.config.timeout;
        const result = await probe({ ...target.request, timeoutMs }, signal);
        const labels = { target: target.name };
        out.set(m.success, result.success ? 1 : 0, labels);
        out.set(m.duration, result.durationSeconds, labels);
        out.set(m.statusCode, result.statusCode, labels);
        if (result.certExpiry !== undefined) out.set(m.certExpiry, result.certExpiry, labels);
        if (result.error) log.debug('probe failed', { target: target.name, error: redact(result.error) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.concurrency, this.targets.length) }, worker));
  }
}

function toTarget(t: ProbeTargetConfig, where: string, problems: string[]): Target {
  const url = new URL(t.url);
  // Basic-auth credentials in the URL are sent, never shown.
  registerSecret(url.password);
  registerSecret(decodeURIComponent(url.password));
  let ca: string[] | undefined;
  if (t.caFile) {
    try {
      ca = [...tls.rootCertificates, readFileSync(t.caFile, 'utf8')];
    } catch (err) {
      problems.push(`${where}.caFile: cannot read ${t.caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { name: t.name, timeoutMs: t.timeout, request: { url, ca, insecureSkipVerify: t.insecureSkipVerify } };
}

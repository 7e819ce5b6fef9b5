/** The /health/detailed report: one status per component and an overall one (src/health/components.ts). */
export type Status = 'up' | 'degraded' | 'down' | 'disabled' | 'unknown';
export type OverallStatus = 'healthy' | 'degraded' | 'down';

export interface ComponentHealth {
  readonly name: 'redis' | 'postgres' | 'storage' | 'probes' | 'queues' | 'host' | 'api';
  readonly status: Status;
  /** Time the component's collector took, in milliseconds. */
  readonly latencyMs: number | null;
  /** Sanitized one-line reason when not up. */
  readonly error: string | null;
}

export interface HealthReport {
  readonly status: OverallStatus;
  readonly checkedAt: string;
  readonly components: readonly ComponentHealth[];
}

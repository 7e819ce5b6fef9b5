/** `none`: the Watchdog heartbeat, which is routed by name and never pages. */
export type Severity = 'critical' | 'warning' | 'info' | 'none';
/** What an alert is about; Alertmanager inhibits on it (Redis down silences `queue`). */
export type Component =
  'exporter' | 'redis' | 'postgres' | 'queue' | 'storage' | 'probe' | 'host' | 'api' | 'monitoring';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: Severity;
  readonly component: Component;
  readonly summary: string;
  /** May use {{ $value }} and {{ $labels.x }}. */
  readonly description: string;
  /** One runbook section per alert name (twins share it). */
  readonly runbook: {
    readonly meaning: string;
    readonly checks: readonly [string, string, string];
    readonly fix: string;
  };
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  /** E.g. the quantile of a histogram_quantile rule. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Recording rule names follow level:metric:operations (operations omitted only for jobstack:health_score). */
export const RECORDING_NAME = /^[a-z_]+:[a-z0-9_]+(:[a-z0-9_]+)?$/;

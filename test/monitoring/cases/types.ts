/** One promtool unit test: input series, then alert and expression checks at given times. */
export interface RuleCase {
  readonly name: string;
  readonly series: readonly { series: string; values: string }[];
  readonly alerts?: readonly AlertCheck[];
  readonly exprs?: readonly { at: string; expr: string; expect: readonly { labels: string; value: number }[] }[];
}

export interface AlertCheck {
  readonly at: string;
  readonly alert: string;
  /** Empty: the alert must not be firing at `at`. */
  readonly firing: readonly { labels: Record<string, string>; description: string }[];
}

/** Labels every series of the exporter job carries in these tests. */
export const EXP = 'job="jobstack",instance="exp:9478"';
export const EXP_LABELS = { job: 'jobstack', instance: 'exp:9478' } as const;

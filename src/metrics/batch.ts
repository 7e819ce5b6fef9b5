import type { MetricDef, MetricType } from './define';
import { LabelValueBounder } from './label-value';
import { sameStrings } from '../compare';
import type { NativeHistogramValue } from './native-histogram';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** Cumulative histogram state for one label set, as exposed. */
export interface HistogramValue {
  /** Cumulative counts per bucket, same order as the definition's buckets. */
  readonly bucketCounts: readonly number[];
  readonly count: number;
  readonly sum: number;
  /** The same observations as a native histogram (protobuf exposition only). */
  readonly native?: NativeHistogramValue;
}

export interface FamilySamples {
  readonly def: MetricDef;
  /** Keyed by the serialized label set, so a duplicate label set replaces instead of repeating. */
  readonly samples: Map<string, Sample>;
  readonly histograms: Map<string, { labels: Labels; value: HistogramValue }>;
}

/**
 * The label values as one map key. With several labels, each value is prefixed with its length,
 * so two label sets never share a key whatever the values hold: joined with a separator, ("\0", "")
 * and ("", "\0") collided and one sample silently replaced the other (found by the property tests).
 * Values are bounded as they are read (`bound`), so a key names the series as exposed.
 */
function labelKey(names: readonly string[], labels: Labels, bound: (value: string) => string): string {
  // One label (most per-queue families): the value itself is the key, no new string to build and
  // hash for every sample.
  if (names.length === 1) return bound(labels[names[0]] ?? '');
  // Joined, not built with `+=`: a prepared label set keeps its key for the exporter's lifetime,
  // and as a rope (V8 cons strings) each key held three to five string objects instead of one.
  const parts: string[] = [];
  for (const name of names) {
    const value = bound(labels[name] ?? '');
    parts.push(String(value.length), ':', value);
  }
  return parts.join('');
}

function checkLabels(def: MetricDef, labels: Labels): void {
  for (const name of def.labels) {
    if (typeof labels[name] !== 'string') throw new Error(`${def.name}: label ${name} missing`);
  }
}

/** A label set as a family stores it: bounded, its map key, and how many of its values had to be cut. */
interface PreparedLabels {
  /** The label names it was prepared for (the key depends on them and their order). */
  readonly names: readonly string[];
  readonly labels: Labels;
  readonly key: string;
  readonly cut: number;
}

/**
 * A family being written again exactly as the previous batch wrote it: the same keys in the same
 * order with the same samples (label set and value). Until a write differs, the family is the
 * previous batch's own, shared and unchanged; at the first difference, a new family takes the
 * samples matched so far. At 1,000 queues most series repeat from one collection to the next,
 * and each collection's new samples and maps (1.2 MB) lived until the next collection: they
 * outlived their scavenges and filled the old space between full GCs, most of the RSS under
 * back-to-back scrapes.
 */
interface Replay {
  readonly before: FamilySamples;
  readonly entries: MapIterator<[string, Sample]>;
  matched: number;
}

/** Where a label set made by `labelSet` keeps its prepared form. */
const PREPARED = Symbol('prepared labels');

interface LabelSetSlot {
  prepared?: PreparedLabels;
  /** Its exposition text (render.ts), kept with it: a label set's values never change. */
  text?: string;
}

/**
 * A label set a collector builds once and passes in every collection (bullmq: one per queue and
 * state): checking, bounding and keying it is done once, not for each of the ~17,000 samples of
 * a collection at 1,000 queues. Frozen; its prepared form sits in a hidden (non-enumerable symbol)
 * slot, which for...in, Object.keys, spreading and JSON do not see.
 */
export function labelSet<const T extends Record<string, string>>(labels: T): Readonly<T> {
  const slot: LabelSetSlot = {};
  Object.defineProperty(labels, PREPARED, { value: slot, enumerable: false });
  return Object.freeze(labels);
}

const slotOf = (labels: Labels): LabelSetSlot | undefined => (labels as { [PREPARED]?: LabelSetSlot })[PREPARED];

/** Where a label set made by `labelSet` remembers its exposition text; undefined for other label objects. */
export const labelSetMemo = (labels: Labels): { text?: string } | undefined => slotOf(labels);

const NO_LABELS: Labels = labelSet({});
/** Values already bounded. */
const same = (value: string): string => value;

type GaugeLike = MetricDef<string, Exclude<MetricType, 'histogram'>>;
type HistogramDef = MetricDef<string, 'histogram'>;
type LabelArg<D> =
  D extends MetricDef<infer L, MetricType>
    ? [L] extends [never]
      ? [labels?: Record<string, never>]
      : [labels: Record<L, string>]
    : never;

/**
 * The samples one collector produced in one collection. The runner publishes a batch only
 * when its collector finished in time, so a late or failed collector can never leave stale
 * or half-written series behind.
 */
export class MetricBatch {
  private readonly byName = new Map<string, FamilySamples>();
  /** Label values this batch had to rewrite (too long, or not well formed); see label-value.ts. */
  labelValuesCut = 0;
  /** Families `merge` or a replay took from another batch without copying: copied before they are changed. */
  private readonly shared = new Set<FamilySamples>();
  private readonly replays = new Map<string, Replay>();

  /**
   * `labelValues` bounds label values; pass a long-lived one (the runner's) to remember rewrites
   * across batches. `previous`, the same collector's latest published batch, lets this batch
   * reuse its families and samples wherever this collection writes the same ones (see Replay).
   */
  constructor(
    private readonly labelValues: LabelValueBounder = new LabelValueBounder(),
    private previous?: MetricBatch,
  ) {}

  /** The families, in the order first written (reading them ends the replays). */
  get families(): ReadonlyMap<string, FamilySamples> {
    this.finish();
    return this.byName;
  }

  /**
   * Ends the replays and lets go of the previous batch (which would otherwise hold its own
   * previous one, and so on). Writing afterwards is still correct, without replays.
   */
  finish(): void {
    // Called on every read of `families` (each `get`): no copy of the keys, as a Map may delete
    // the entry being visited.
    for (const name of this.replays.keys()) this.endReplay(name);
    this.previous = undefined;
  }

  /** The labels as exposed (a new object only when a value had to change), and their key. */
  private prepare(def: MetricDef, labels: Labels): PreparedLabels {
    const slot = slotOf(labels);
    const known = slot?.prepared;
    if (known && sameStrings(known.names, def.labels)) return known;
    checkLabels(def, labels);
    let out: Record<string, string> | undefined;
    let cut = 0;
    for (const name of def.labels) {
      const value = labels[name];
      const safe = this.labelValues.bound(value);
      if (safe !== value) {
        out ??= { ...labels };
        out[name] = safe;
        cut++;
      }
    }
    const bounded = out ?? labels;
    const prepared = { names: def.labels, labels: bounded, key: labelKey(def.labels, bounded, same), cut };
    if (slot) slot.prepared = prepared;
    return prepared;
  }

  /** The family to write `def`'s samples to: created, or copied first when `merge` or a replay shares it. */
  private family(def: MetricDef): FamilySamples {
    if (this.replays.size) this.endReplay(def.name);
    let family = this.byName.get(def.name);
    if (!family) {
      family = { def, samples: new Map(), histograms: new Map() };
      this.byName.set(def.name, family);
    } else if (family.def !== def) {
      throw new Error(`two definitions share the name ${def.name}`);
    } else if (this.shared.delete(family)) {
      family = { def, samples: new Map(family.samples), histograms: new Map(family.histograms) };
      this.byName.set(def.name, family);
    }
    return family;
  }

  /**
   * Whether this write repeats the previous batch's next sample of the family (then nothing is
   * written: the family is still the previous one). The first write of a family starts its replay
   * when the previous batch has the family with samples only.
   */
  private replayed(def: MetricDef, prepared: PreparedLabels, value: number): boolean {
    let replay = this.replays.get(def.name);
    if (!replay) {
      if (!this.previous || this.byName.has(def.name)) return false;
      const before = this.previous.families.get(def.name);
      if (!before || before.def !== def || before.histograms.size) return false;
      replay = { before, entries: before.samples.entries(), matched: 0 };
      this.replays.set(def.name, replay);
      this.byName.set(def.name, before);
      this.shared.add(before);
    }
    const next = replay.entries.next();
    if (!next.done && next.value[0] === prepared.key) {
      const sample = next.value[1];
      if (sample.labels === prepared.labels && Object.is(sample.value, value)) {
        replay.matched++;
        return true;
      }
    }
    this.endReplay(def.name);
    return false;
  }

  /** Ends a family's replay: it stays the previous family if every sample was written again, else becomes the part written. */
  private endReplay(name: string): void {
    const replay = this.replays.get(name);
    if (!replay) return;
    this.replays.delete(name);
    const { before, matched } = replay;
    if (matched === before.samples.size) return;
    const family: FamilySamples = { def: before.def, samples: new Map(), histograms: new Map() };
    let i = 0;
    for (const [key, sample] of before.samples) {
      if (i++ === matched) break;
      family.samples.set(key, sample);
    }
    this.shared.delete(before);
    this.byName.set(name, family);
  }

  /** Sets a gauge, counter (an externally kept total) or info sample. NaN is kept; it is valid exposition. */
  set<D extends GaugeLike>(def: D, value: number, ...labels: LabelArg<D>): void;
  // One optional parameter, not `...[labels]`: destructuring a rest parameter ran the array
  // iterator protocol on every call (4.8 MB of iterator results per scrape at 1,000 queues).
  set(def: GaugeLike, value: number, labels: Labels = NO_LABELS): void {
    const prepared = this.prepare(def, labels);
    this.labelValuesCut += prepared.cut;
    if (this.previous && this.replayed(def, prepared, value)) return;
    this.family(def).samples.set(prepared.key, { labels: prepared.labels, value });
  }

  /** Publishes the current state of a histogram the collector accumulates itself. */
  setHistogram<D extends HistogramDef>(def: D, value: HistogramValue, ...labels: LabelArg<D>): void;
  setHistogram(def: HistogramDef, value: HistogramValue, labels: Labels = NO_LABELS): void {
    const prepared = this.prepare(def, labels);
    this.labelValuesCut += prepared.cut;
    this.family(def).histograms.set(prepared.key, { labels: prepared.labels, value });
  }

  /**
   * Takes another batch's families in (used to merge collectors for rendering). A family this
   * batch does not have yet is shared, not copied: collectors rarely share a family, and copying
   * every sample into new maps took 4-5 ms of a scrape at 1,000 queues. A shared family is copied
   * before this batch changes it, so `other` is never modified.
   */
  merge(other: MetricBatch): void {
    for (const source of other.families.values()) {
      if (!this.families.has(source.def.name)) {
        this.byName.set(source.def.name, source);
        this.shared.add(source);
        continue;
      }
      const target = this.family(source.def);
      for (const [key, sample] of source.samples) target.samples.set(key, sample);
      for (const [key, hist] of source.histograms) target.histograms.set(key, hist);
    }
  }

  /** Value of one sample, for tests and the JSON endpoints. */
  get<D extends MetricDef>(def: D, ...labels: LabelArg<D>): number | undefined;
  get(def: MetricDef, labels: Labels = NO_LABELS): number | undefined {
    return this.families.get(def.name)?.samples.get(this.lookupKey(def, labels))?.value;
  }

  /** State of one histogram (tests and the JSON endpoints). */
  histogram<D extends HistogramDef>(def: D, ...labels: LabelArg<D>): HistogramValue | undefined;
  histogram(def: HistogramDef, labels: Labels = NO_LABELS): HistogramValue | undefined {
    return this.families.get(def.name)?.histograms.get(this.lookupKey(def, labels))?.value;
  }

  /** The key to look a sample up by: values bounded as they were when set (without counting). */
  private lookupKey(def: MetricDef, labels: Labels): string {
    return labelKey(def.labels, labels, this.bound);
  }

  private readonly bound = (value: string): string => this.labelValues.bound(value);

  /** All samples of one family. */
  samples(def: MetricDef): Sample[] {
    return [...(this.families.get(def.name)?.samples.values() ?? [])];
  }
}

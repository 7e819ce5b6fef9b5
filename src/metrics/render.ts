import { labelSetMemo, type FamilySamples, type Labels } from './batch';
import type { MetricType } from './define';
import type { NativeHistogramValue } from './native-histogram';
import type { Slicer } from '../runner/slice';
import type { AnswerBuffer } from './answer-buffer';

/**
 * Exposition in the Prometheus text format 0.0.4 and OpenMetrics 1.0. Written here rather than
 * through prom-client's Registry because prom-client renames registered counters in place when it
 * renders OpenMetrics (`standardizeCounterName` mutates `metric.name`), so one registry cannot serve
 * both formats, and it does not escape quotes in OpenMetrics HELP.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROTOBUF_CONTENT_TYPE =
  'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** `protobuf`: delimited io.prometheus.client.MetricFamily messages (protobuf.ts), the only format with native histograms. */
export type ExpositionFormat = 'prometheus' | 'openmetrics' | 'protobuf';
export type TextFormat = Exclude<ExpositionFormat, 'protobuf'>;

/**
 * One sample ready to print. A histogram bucket carries its bound in `le` (printed as the last
 * label) instead of a copy of its series' labels, so all samples of one series share one
 * `labels` object and its text is built once.
 */
export interface ExpositionSample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
  readonly le?: string;
}

/** One family ready to print: sample names already carry their suffixes (_total, _bucket, ...). */
export interface ExpositionFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly ExpositionSample[];
  /** Native histograms by the `labels` object their series' samples share (protobuf exposition only). */
  readonly native?: ReadonlyMap<Labels, NativeHistogramValue>;
}

/** The q value of each media range in an Accept header (1 when absent), by lower-case type. */
function acceptQualities(accept: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const range of accept.split(',').slice(0, 32)) {
    const [rawType, ...params] = range.split(';').map((p) => p.trim());
    if (!rawType) continue;
    const lower = params.map((p) => p.toLowerCase());
    // The protobuf media type names its message and framing; only the one Prometheus asks for is served.
    const type =
      rawType.toLowerCase() === 'application/vnd.google.protobuf' &&
      !(lower.includes('proto=io.prometheus.client.metricfamily') && lower.includes('encoding=delimited'))
        ? `${rawType}; other`
        : rawType;
    const q = params.find((p) => /^q=/i.test(p));
    const value = q === undefined ? 1 : Number(q.slice(2));
    const quality = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
    out.set(type.toLowerCase(), Math.max(out.get(type.toLowerCase()) ?? 0, quality));
  }
  return out;
}

/**
 * Picks the format from an Accept header, as Prometheus negotiates it: the protobuf exposition
 * when it is acceptable (q above 0) and preferred at least as much as either text format (what
 * Prometheus with native histograms enabled sends), else OpenMetrics when it is preferred at least
 * as much as the text format; `q=0` means "not this".
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  const q = acceptQualities(accept);
  const protobuf = q.get('application/vnd.google.protobuf') ?? 0;
  const openmetrics = q.get('application/openmetrics-text') ?? 0;
  const text = q.get('text/plain') ?? q.get('*/*') ?? 0;
  if (protobuf > 0 && protobuf >= openmetrics && protobuf >= text) return 'protobuf';
  return openmetrics > 0 && openmetrics >= text ? 'openmetrics' : 'prometheus';
}

export function contentTypeOf(format: ExpositionFormat): string {
  if (format === 'protobuf') return PROTOBUF_CONTENT_TYPE;
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string, format: TextFormat): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

const NEEDS_ESCAPE = /[\\\n"]/;

/**
 * `{name="value",...` without the closing brace, or '' for no labels, escaping only values that
 * need it: at 1,000 queues a scrape prints ~46,000 samples, and an
 * Object.entries/map/join form allocated ~1 KB of garbage per sample (48 MB a scrape), which
 * set the exporter's RSS. A label set made by labelSet keeps its text from scrape to scrape.
 */
function openLabels(labels: Labels): string {
  const memo = labelSetMemo(labels);
  if (memo?.text !== undefined) return memo.text;
  // Joined from its pieces into one flat string: built with `+=` it was a rope (V8 cons strings)
  // that held every piece for as long as a kept label set lives. At 1,000 queues the ~13,000
  // label sets kept 52,000 cons strings (1.7 MB of the live heap, heap snapshot).
  const pieces: string[] = [];
  for (const name in labels) {
    const value = labels[name];
    pieces.push(pieces.length ? ',' : '{', name, '="', NEEDS_ESCAPE.test(value) ? escapeLabelValue(value) : value, '"');
  }
  const text = pieces.join('');
  if (memo) memo.text = text;
  return text;
}

/** Converts a collector batch family into printable samples. */
export function toExpositionFamily(family: FamilySamples): ExpositionFamily {
  const { def } = family;
  const samples: ExpositionSample[] = [];
  for (const s of family.samples.values()) samples.push({ name: def.name, labels: s.labels, value: s.value });
  if (family.histograms.size === 0) return { name: def.name, help: def.help, type: def.type, samples };
  const bounds = (def.buckets ?? []).map(formatValue);
  const [bucket, sum, count] = [`${def.name}_bucket`, `${def.name}_sum`, `${def.name}_count`];
  const native = new Map<Labels, NativeHistogramValue>();
  for (const { labels, value } of family.histograms.values()) {
    if (value.native) native.set(labels, value.native);
    bounds.forEach((le, i) => samples.push({ name: bucket, labels, le, value: value.bucketCounts[i] ?? 0 }));
    samples.push({ name: bucket, labels, le: '+Inf', value: value.count });
    samples.push({ name: sum, labels, value: value.sum });
    samples.push({ name: count, labels, value: value.count });
  }
  return { name: def.name, help: def.help, type: def.type, samples, ...(native.size ? { native } : {}) };
}

/** Family name and TYPE word as each format spells them. */
function header(family: { name: string; type: MetricType }, format: TextFormat): { name: string; type: string } {
  if (format === 'prometheus') {
    return { name: family.name, type: family.type === 'info' ? 'gauge' : family.type };
  }
  if (family.type === 'counter') return { name: family.name.replace(/_total$/, ''), type: 'counter' };
  if (family.type === 'info') return { name: family.name.replace(/_info$/, ''), type: 'info' };
  return { name: family.name, type: family.type };
}

/** Thrown when an answer (/metrics in any format, /dashboard/data) would exceed its size bound: refused whole, never served cut. */
export class AnswerTooLarge extends Error {}

/** Pieces of text (names, label texts, values) gathered before they are encoded into the answer's bytes. */
const CHUNK_PIECES = 8192;

/**
 * The exposition as it is written: pieces gathered 8,192 at a time (~50 K characters), joined
 * into one flat string and encoded once into one growing UTF-8 Buffer, which is the answer.
 * Joining ~46,000 line strings into one text, then Koa counting its bytes and the socket encoding
 * it, went over the whole text three times: 17% of the exporter's CPU under back-to-back scrapes
 * at 1,000 queues. Pieces go into one array of fixed length rather than being appended with
 * `+=`: every `+=` made a rope node (a V8 cons string), three or four per line, 3.8 MB of
 * garbage a scrape at 1,000 queues, and what survived a scavenge filled the old space between
 * full GCs. (An array emptied with `length = 0` gives up its storage and regrows it every chunk.)
 */
class ExpositionText {
  private bytes: Buffer;
  private used = 0;
  private readonly pieces: string[] = Array.from({ length: CHUNK_PIECES }, () => '');
  private count = 0;
  /** Characters written in all. */
  chars = 0;

  /** `answers`: where the buffer comes from (a spare one, reused; see answer-buffer.ts). */
  constructor(answers?: AnswerBuffer) {
    this.bytes = answers?.take() ?? Buffer.allocUnsafeSlow(1 << 18);
  }

  write(text: string): void {
    this.pieces[this.count++] = text;
    this.chars += text.length;
    if (this.count === CHUNK_PIECES) this.flush();
  }

  private flush(): void {
    if (this.count < CHUNK_PIECES) this.pieces.fill('', this.count);
    const text = this.pieces.join('');
    // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4). Only when that
    // bound does not fit are the bytes counted: a reused buffer has room for the text, not for
    // three times its last chunk, and growing it anyway doubled it on every scrape.
    if (this.used + text.length * 3 > this.bytes.length) {
      const needed = this.used + Buffer.byteLength(text);
      if (needed > this.bytes.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.bytes.length * 2));
        this.bytes.copy(grown, 0, 0, this.used);
        this.bytes = grown;
      }
    }
    this.used += this.bytes.write(text, this.used);
    this.count = 0;
  }

  /** The bytes written (a view of the buffer from its start, not a copy). */
  finish(): Buffer {
    this.flush();
    return this.bytes.subarray(0, this.used);
  }
}

/**
 * A family to print: samples made ready (ExpositionFamily: other sources, tests), or a
 * collector's batch family, printed straight from its maps: building an object per sample first
 * allocated 1.5 MB a scrape at 1,000 queues, all of it alive until the text was written.
 */
export type PrintableFamily = ExpositionFamily | FamilySamples;

/** Writes sample lines, keeping the label text of the latest label set. */
class LinePrinter {
  private readonly scratch: unknown[] = [];
  private lastLabels?: Labels;
  private closed = '';
  private withLe = '';

  constructor(
    readonly out: ExpositionText,
    private readonly maxChars: number,
    private readonly due: () => boolean,
  ) {}

  /** Writes one sample; true when the time slice is used up (the caller yields). */
  line(name: string, labels: Labels, value: number, le?: string): boolean {
    if (labels !== this.lastLabels) {
      this.lastLabels = labels;
      const open = openLabels(labels);
      this.closed = open && `${open}}`;
      this.withLe = open ? `${open},le="` : '{le="';
    }
    const { out } = this;
    out.write(name);
    if (le === undefined) out.write(this.closed);
    else {
      out.write(this.withLe);
      out.write(le);
      out.write('"}');
    }
    out.write(' ');
    out.write(formatValue(value));
    out.write('\n');
    if (!this.due()) return false;
    this.checkSize();
    return true;
  }

  /**
   * The map's values in the first `map.size` slots of an array this printer reuses, family after
   * family (emptied with `length = 0`, an array gives up its storage and regrows it).
   */
  valuesOf<T>(map: ReadonlyMap<string, T>): readonly T[] {
    const out = this.scratch as T[];
    let i = 0;
    map.forEach((value) => (out[i++] = value));
    return out;
  }

  checkSize(): void {
    if (this.out.chars > this.maxChars) throw new AnswerTooLarge(`exposition over ${this.maxChars} characters`);
  }
}

function* readySamples(p: LinePrinter, family: ExpositionFamily): Generator<void, void, void> {
  for (const s of family.samples) if (p.line(s.name, s.labels, s.value, s.le)) yield;
}

/** A batch family's lines in toExpositionFamily's order: samples, then each histogram's buckets, sum and count. */
function* batchSamples(p: LinePrinter, family: FamilySamples): Generator<void, void, void> {
  const { def } = family;
  // Indexed loops over a reused array: a Map, or an array through its iterator, iterated inside a
  // generator allocated an iterator result per sample (1 MB a scrape at 1,000 queues).
  const samples = p.valuesOf(family.samples);
  for (let i = 0, n = family.samples.size; i < n; i++) if (p.line(def.name, samples[i].labels, samples[i].value)) yield;
  if (family.histograms.size === 0) return;
  const bounds = (def.buckets ?? []).map(formatValue);
  const [bucket, sum, count] = [`${def.name}_bucket`, `${def.name}_sum`, `${def.name}_count`];
  const histograms = p.valuesOf(family.histograms);
  for (let h = 0, n = family.histograms.size; h < n; h++) {
    const { labels, value } = histograms[h];
    for (let i = 0; i < bounds.length; i++) if (p.line(bucket, labels, value.bucketCounts[i] ?? 0, bounds[i])) yield;
    if (p.line(bucket, labels, value.count, '+Inf')) yield;
    if (p.line(sum, labels, value.sum)) yield;
    if (p.line(count, labels, value.count)) yield;
  }
}

/**
 * Renders families in order into `out`; families without samples are left out entirely. Stops
 * with AnswerTooLarge as soon as the text passes `maxChars`, before it is all held in memory.
 * Yields (nothing) whenever `due` says the current time slice is used up, so the async caller can
 * give the event loop a turn; the sync caller never pauses. One rendering code path for both.
 */
function* renderSteps(
  families: Iterable<PrintableFamily>,
  format: TextFormat,
  maxChars: number,
  out: ExpositionText,
  due: () => boolean,
): Generator<void, void, void> {
  const p = new LinePrinter(out, maxChars, due);
  for (const family of families) {
    const fromBatch = 'def' in family;
    if (fromBatch ? family.samples.size + family.histograms.size === 0 : family.samples.length === 0) continue;
    const { name, type } = header(fromBatch ? family.def : family, format);
    out.write(
      `# HELP ${name} ${escapeHelp(fromBatch ? family.def.help : family.help, format)}\n# TYPE ${name} ${type}\n`,
    );
    yield* fromBatch ? batchSamples(p, family) : readySamples(p, family);
    p.checkSize();
  }
  if (format === 'openmetrics') out.write('# EOF\n');
}

const never = () => false;

/** The exposition text of `families` in one synchronous stretch (small answers, tests). */
export function render(families: Iterable<PrintableFamily>, format: TextFormat, maxChars = Infinity): string {
  const out = new ExpositionText();
  for (const _ of renderSteps(families, format, maxChars, out, never));
  return out.finish().toString('utf8');
}

/**
 * The same exposition as UTF-8 bytes (the answer's body), rendered in time slices (Slicer): a
 * scrape of 1,300 queues printed ~50,000 lines in one stretch of tens of milliseconds, during
 * which /health could not answer.
 */
export async function renderSliced(
  families: Iterable<PrintableFamily>,
  format: TextFormat,
  maxChars: number,
  slicer: Slicer,
  answers?: AnswerBuffer,
): Promise<Buffer> {
  const out = new ExpositionText(answers);
  for (const _ of renderSteps(families, format, maxChars, out, () => slicer.due())) await slicer.pause();
  return out.finish();
}

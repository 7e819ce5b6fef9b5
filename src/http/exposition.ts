import { MetricBatch } from '../metrics/batch';
import { MAX_ANSWER_BYTES } from './security/limits';
import { AnswerBuffer } from '../metrics/answer-buffer';
import { renderSliced, toExpositionFamily, type ExpositionFamily, type ExpositionFormat } from '../metrics/render';
import { Slicer } from '../runner/slice';
import { encodeProtobuf } from '../metrics/protobuf';
import { selfMetrics } from '../metrics/self';
import type { Collection } from '../runner/runner';
import type { BuildInfo } from '../version';

export interface ExtraFamilies {
  families(): Promise<ExpositionFamily[]>;
}

/** An answer's bytes, and what to call once they have been sent (its buffer is then reused). */
export interface Answer {
  readonly body: Buffer;
  readonly sent: () => void;
}

/** The /metrics answers' buffer, lent to one rendering at a time (answer-buffer.ts). */
const metricsAnswers = new AnswerBuffer();

/**
 * One exposition from a collection: self metrics, each collector's batch, then process metrics
 * (bytes for the protobuf format).
 */
export async function expose(
  collection: Collection,
  collections: number,
  build: BuildInfo,
  extra: readonly ExtraFamilies[],
  format: ExpositionFormat,
): Promise<Answer> {
  const all = new MetricBatch();
  all.set(selfMetrics.buildInfo, 1, { version: build.version, revision: build.revision, nodejs: build.nodejs });
  all.set(selfMetrics.collections, collections);
  for (const outcome of collection.outcomes) all.merge(outcome.batch);
  if (format === 'protobuf') return { body: await exposeBatch(all, extra, format), sent: () => undefined };
  const body = await exposeBatch(all, extra, format, metricsAnswers);
  return { body, sent: () => metricsAnswers.give(body) };
}

/**
 * The /probe answer: the target's collectors only (their `_up`, samples and per-collector self
 * metrics). Build info and process metrics describe the exporter and stay on /metrics.
 */
export function exposeTarget(collection: Collection, format: ExpositionFormat): Promise<Buffer> {
  const all = new MetricBatch();
  for (const outcome of collection.outcomes) all.merge(outcome.batch);
  return exposeBatch(all, [], format);
}

/** Families of `all`, then `extra`'s, in `format`: built in time slices (Slicer), so sockets are served between them. */
async function exposeBatch(
  all: MetricBatch,
  extra: readonly ExtraFamilies[],
  format: ExpositionFormat,
  answers?: AnswerBuffer,
): Promise<Buffer> {
  const slicer = new Slicer();
  const extraFamilies: ExpositionFamily[] = [];
  for (const source of extra) extraFamilies.push(...(await source.families()));
  if (format === 'protobuf') {
    const families: ExpositionFamily[] = [];
    for (const family of all.families.values()) {
      families.push(toExpositionFamily(family));
      if (slicer.due(family.samples.size + family.histograms.size * 16)) await slicer.pause();
    }
    return encodeProtobuf([...families, ...extraFamilies], MAX_ANSWER_BYTES);
  }
  // The text formats print the batch's families straight from their maps (render.ts).
  return renderSliced([...all.families.values(), ...extraFamilies], format, MAX_ANSWER_BYTES, slicer, answers);
}

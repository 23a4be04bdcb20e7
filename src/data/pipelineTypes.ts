/** The values a pipeline is made of: examples, sources, stages. */
import type { Tensor } from '../core/Tensor.js'
import type { Key } from '../rng/index.js'

/** One example: an input and its target, without the leading example axis. @category model */
export interface Example {
  readonly x: Tensor
  readonly y: Tensor
}

/** An element flowing through a pipeline, with its position: an example's index in the source, or a batch's number. */
export interface Indexed<A> {
  readonly index: number
  readonly value: A
}

/** What a stage knows of the run: the stage's own key (from the pipeline key, epoch and its place) and the epoch. */
export interface StageContext {
  readonly key: Key
  readonly epoch: number
  /** batches the consumer skips at the start of the epoch: a batch stage need not build them */
  readonly skipBatches: number
}

/** Where examples come from, epoch after epoch. @category model */
export interface Source {
  readonly _tag: 'Source'
  /** a short description, for messages */
  readonly name: string
  /** the number of examples per epoch, when known */
  readonly size: number | undefined
  /** the examples of one epoch, in order */
  readonly open: (epoch: number) => Iterable<Example> | AsyncIterable<Example>
}

/** One step of a pipeline: on examples (before `batch`), on batches (after it), or on either. @category model */
export interface Stage {
  readonly _tag: 'Stage'
  readonly name: string
  readonly level: 'example' | 'batch' | 'any'
  /** the batch stage: how many examples a batch holds, and whether a short last one is dropped */
  readonly batchSize?: number
  readonly dropRemainder?: boolean
  /** whether the stage can drop examples (a filter), so the number of batches cannot be known ahead */
  readonly drops?: boolean
  readonly run: (input: AsyncIterable<Indexed<unknown>>, ctx: StageContext) => AsyncIterable<Indexed<unknown>>
}

/** A source followed by example stages, one `batch` stage, and batch stages. @category model */
export interface Pipeline {
  readonly _tag: 'Pipeline'
  readonly source: Source
  readonly stages: ReadonlyArray<Stage>
}


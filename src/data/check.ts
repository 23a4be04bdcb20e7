/**
 * The checks the data functions make of their arguments: a data set is a record of two tensors
 * with one leading axis of examples, and the fitted statistics records hold tensors. One look at
 * each field, no pass over the data. Not exported from the package. @internal
 */
import { checkRecord, describe, fail, showShape } from '../core/errors.js'
import type { Pipeline } from './pipelineTypes.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'

/** The shape of `Dataset` (declared with it; restated here so the two files do not import each other). */
interface Dataset {
  readonly x: Tensor
  readonly y: Tensor
}

/** `ds` when it is a data set `{ x, y }` whose tensors have the same number of examples; otherwise INVALID_ARGUMENT or SHAPE_MISMATCH. @internal */
export const checkDataset = (op: string, ds: unknown, name = 'the data set'): Dataset => {
  const r = checkRecord(op, name, ds, 'a data set { x, y } of two tensors, made with Data.dataset(x, y)')
  const x = checkTensor(op, r['x'], `${name}'s x`)
  const y = checkTensor(op, r['y'], `${name}'s y`)
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    fail('SHAPE_MISMATCH', op, `${name} has x ${showShape(x.shape)} and y ${showShape(y.shape)}; both need a leading axis of the same number of examples (make data sets with Data.dataset(x, y)).`)
  }
  return r as unknown as Dataset
}

/** The tensors of a fitted statistics record (`Standardizer`, `Pca`), each checked to be one. @internal */
export const checkFitted = (op: string, u: unknown, name: string, fields: ReadonlyArray<string>, made: string): { readonly [key: string]: Tensor } => {
  const r = checkRecord(op, name, u, `the record ${made} returned`)
  for (const k of fields) checkTensor(op, r[k], `${name}'s ${k}`)
  return r as { readonly [key: string]: Tensor }
}

/** Whether a value is a pipeline. */
export const isPipeline = (u: unknown): u is Pipeline => u !== null && typeof u === 'object' && (u as Pipeline)._tag === 'Pipeline'

/** The pipeline, checked. */
export const checkPipeline = (op: string, p: unknown): Pipeline => (isPipeline(p) ? p : fail('INVALID_ARGUMENT', op, `expected a pipeline; got ${describe(p)}. Make one with Data.pipeline(source, stages).`))


/**
 * The answers a driver of the shared training loop (`fitLoop`) gives to its requests for reads
 * and evaluations: at once on the host (`fit`, `fitEvents`), or awaiting the device, where the
 * tensors may live on the GPU (`fitAsync`, `fitStream`). On the CPU both give the same numbers.
 */
import * as T from '../tensor/index.js'
import { type Tree, leaves, map as mapTree } from '../tree/index.js'
import type * as Net from '../net/index.js'
import { evaluate, evaluateAsync, evaluateStream } from './evaluate.js'
import { isPipeline } from '../data/check.js'
import { fail } from '../core/errors.js'
import type { Need, Request } from './fitLoop.js'
import type { FitEvent } from './fitState.js'
import type { Trainer } from './step.js'

/** A request for a read or an evaluation (not a batch, not an event). */
export type Ask<O> = Exclude<Request<O>, Need | FitEvent<O>>

/** Answers a request at once, on the host. */
export const answerNow = <O>(trainer: Trainer<O>, q: Ask<O>): unknown =>
  q.type === 'read' ? T.item(q.loss)
  : q.type === 'wait' ? q.reading
  : q.type === 'host' ? q.tree
  : isPipeline(q.data) ? fail('INVALID_ARGUMENT', 'fit', 'dev is a pipeline, which is read asynchronously; train with Train.fitStream or Train.fitAsync, or give fit a Dataset.')
  : evaluate(trainer.network as Net.Layer, q.vars, q.data, trainer.loss)

/**
 * Answers a request wherever its tensors live: a step's loss starts downloading at 'read' (the
 * loop queues the next step before it asks to 'wait' for it), trees come to the host, evaluations
 * read each batch's outputs asynchronously.
 */
export const answerLater = async <O>(trainer: Trainer<O>, q: Ask<O>): Promise<unknown> => {
  if (q.type === 'read') {
    const reading = T.data(q.loss).then((d) => d[0]!)
    reading.catch(() => undefined) // awaited at 'wait', or dropped with a step taken ahead
    return reading
  }
  if (q.type === 'wait') return await (q.reading as Promise<number>)
  if (q.type === 'host') return hostTree(q.tree)
  if (isPipeline(q.data)) return evaluateStream(trainer.network as Net.Layer, q.vars, q.data, trainer.loss, q.key, q.epoch)
  return evaluateAsync(trainer.network as Net.Layer, q.vars, q.data, trainer.loss)
}

/** A tree with every tensor leaf read to the host (the same tree when all are there). */
const hostTree = async (tree: Tree): Promise<Tree> => {
  const ls = leaves(tree)
  if (ls.every((l) => !T.isOnGpu(l.value))) return tree
  const host = new Map(await Promise.all(ls.map(async (l) => [l.path, await T.toCpu(l.value)] as const)))
  return mapTree(tree, (leaf, path) => host.get(path) ?? leaf)
}

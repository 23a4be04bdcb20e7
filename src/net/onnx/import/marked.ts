/**
 * Import of a model that carries `toOnnx`'s marker (../marker.ts): the marker names the
 * exported network, hence the node pattern to expect, and the graph must be exactly that
 * pattern. The network the graph computes (computed.ts) is exported with probe variables to
 * match the graph node for node and find where each variable sits (trace.ts); the variables are
 * read off the graph's initialisers; and the network with those variables is exported once
 * more and must give the graph, numbers included, bit for bit (sameGraph.ts). So a model is
 * imported only when `toOnnx` writes exactly it for the network and variables imported, and
 * `Net.apply` of them computes what the exported network computed.
 * @internal
 */
import * as E from 'fp-ts/lib/Either.js'
import { PuregradError } from '../../../core/errors.js'
import { checkJsonDepth } from '../../../core/limits.js'
import { key } from '../../../rng/index.js'
import { init } from '../../interpret.js'
import type { Vars } from '../../Kind.js'
import type { Layer, Shapes } from '../../Layer.js'
import { type UserKinds, validateNetwork } from '../../validate.js'
import { decodeModel } from '../../../onnx/schema.js'
import { MARKER_KEY } from '../marker.js'
import { toOnnx } from '../toOnnx.js'
import { computedNetwork } from './computed.js'
import { FLOAT, type Graph, type Model, float32sOf } from './graphs.js'
import { matchGraph } from './sameGraph.js'
import { type Traced, probeVars, readVars } from './trace.js'

const OP = 'fromOnnx'

/** What reading the marked model gave: the import, or why the graph is not the marked pattern. */
export type MarkedRead =
  | { readonly network: Layer; readonly params: Vars['params']; readonly state: Vars['state']; readonly inShape: Shapes }
  | { readonly refused: string }

/** Codes kept when an export or `init` of the marked network refuses it (the model asks too much). */
const kept = new Set(['RESOURCE_LIMIT', 'TOO_DEEP'])

/** The marker's network, input shape and folding, or undefined when the model has no usable marker. */
const markerOf = (model: Model, users: UserKinds): { readonly network: Layer; readonly inShape: Shapes; readonly folded: boolean } | undefined => {
  const entry = (model.metadataProps ?? []).find((p) => p.key === MARKER_KEY)
  if (entry === undefined || typeof entry.value !== 'string') return undefined
  let doc: unknown
  try {
    doc = JSON.parse(entry.value)
  } catch {
    return undefined
  }
  if (E.isLeft(checkJsonDepth(OP, 'the marker', doc)) || typeof doc !== 'object' || doc === null) return undefined
  const { network, inShape, foldBatchNorm } = doc as Record<string, unknown>
  const checked = validateNetwork(network, OP, users)
  if (E.isLeft(checked) || typeof foldBatchNorm !== 'boolean') return undefined
  return { network: checked.right, inShape: inShape as Shapes, folded: foldBatchNorm }
}

/**
 * The model read through its marker; undefined when it has none that names a network of
 * built-in layers and the user's layers given (a model of another writer, or of other layers),
 * which is then read as a chain of layers instead.
 */
export const readMarked = (model: Model, users: UserKinds): MarkedRead | undefined => {
  const marker = markerOf(model, users)
  const graph: Graph = model.graph ?? {}
  if (marker === undefined) return undefined
  const opset = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '')?.version
  const network = computedNetwork(marker.network, marker.folded)
  let exported: (vars: Vars) => Graph
  let shaped: Vars
  try {
    shaped = init(network, { key: key(0), inShape: marker.inShape })
    exported = (vars) => (decodeModel(toOnnx(network, vars, { inShape: marker.inShape, ...(opset === undefined ? {} : { opset }), foldBatchNorm: marker.folded })) as Model).graph ?? {}
    exported(shaped)
  } catch (e) {
    if (e instanceof PuregradError && !kept.has(e.code)) return undefined
    throw e
  }
  // the pattern: the nodes for probe variables, which also say where each variable sits
  const [first, second] = [exported(probeVars(shaped, 0)), exported(probeVars(shaped, 1))]
  const pattern = matchGraph(graph, first, false)
  if ('difference' in pattern) return { refused: pattern.difference }
  const again = matchGraph(graph, second, false)
  if ('difference' in again) return { refused: again.difference }
  const modelInits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]))
  const [firstInits, secondInits] = [first, second].map((g) => new Map((g.initializer ?? []).map((t) => [t.name ?? '', t])))
  const traced: Traced[] = []
  for (const [name, at] of pattern.inits) {
    const t = firstInits!.get(name)!
    if ((t.dataType ?? 0) !== FLOAT || again.inits.get(name) !== at) continue
    const [a, b, m] = [float32sOf(t), float32sOf(secondInits!.get(name)!), float32sOf(modelInits.get(at)!)]
    if (a === undefined || b === undefined || m === undefined || a.length !== b.length || a.length !== m.length) return { refused: `the constant ${JSON.stringify(at)} does not hold the float32 values its dims call for` }
    traced.push({ first: a, second: b, model: m })
  }
  const vars = readVars(shaped, traced)
  // the numbers: the network with the variables read must give the graph bit for bit
  const same = matchGraph(graph, exported(vars), true)
  if ('difference' in same) return { refused: same.difference }
  return { network, params: vars.params, state: vars.state, inShape: marker.inShape }
}

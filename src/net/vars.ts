/**
 * Variables checked against their network: `params` and `state` must have the structure, shapes
 * and dtypes a fresh `init` of the network gives for the input shape. Whoever takes variables
 * from outside (export, a resumed run) asks this once, up front. @internal
 */
import { type PuregradError } from '../core/errors.js'
import { isTensor } from '../core/Tensor.js'
import { key } from '../rng/index.js'
import type { Tree } from '../tree/index.js'
import { compareTrees } from '../tree/structure.js'
import { init } from './interpret.js'
import type { Vars } from './Kind.js'
import type { Layer, Shapes } from './Layer.js'

const firstLeaf = (t: unknown): { readonly dtype: string } | undefined => {
  if (isTensor(t)) return t
  const children = Array.isArray(t) ? t : typeof t === 'object' && t !== null ? Object.values(t) : []
  for (const c of children) {
    const leaf = firstLeaf(c)
    if (leaf !== undefined) return leaf
  }
  return undefined
}

/**
 * The TREE_MISMATCH error for the first place where `vars` differ from what `net` makes for
 * `inShape` (in the dtype of their first parameter), or undefined when they fit. Builds one
 * fresh set of variables to compare with.
 */
export const varsMismatch = (op: string, net: Layer, inShape: Shapes, vars: Vars, whose: string): PuregradError | undefined => {
  const dtype = firstLeaf(vars.params)?.dtype === 'float64' ? 'float64' : 'float32'
  const fresh = init(net, { key: key(0), inShape, dtype })
  return (
    compareTrees(op, fresh.params as Tree, vars.params as Tree, "network's parameters", `${whose} parameters`) ??
    compareTrees(op, fresh.state as Tree, vars.state as Tree, "network's model state", `${whose} model state`)
  )
}

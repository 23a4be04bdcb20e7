/**
 * The resource budget of the network interpreters: how many layers a network expands to and
 * how deep it nests (read off the layer records, without expanding a `repeat`), and how many
 * values and bytes its variables take (read off the abstract init pass, without allocating).
 * @internal
 */
import { type FloatDType, bytesPer } from '../core/dtype.js'
import { type Budget, MAX_DEPTH, tooDeep } from '../core/limits.js'
import { fail } from '../core/errors.js'
import type { LeafStructure } from '../tree/index.js'
import type { TreeOf, VarsOf } from './Kind.js'
import type { Layer } from './Layer.js'
import { checkBuilt, kindOf } from './registry.js'

const where = (path: string): string => (path === '' ? 'the root' : `layer ${path}`)

/**
 * The number of layers `net` expands to (each copy of a `repeat` body counted, combinators
 * included), refusing a network that nests deeper than `MAX_DEPTH` (TOO_DEEP) or expands past
 * `budget.maxLayers` (RESOURCE_LIMIT). Recursion stops at the depth limit, so it cannot
 * overflow the stack; a `repeat` is multiplied out, never expanded (its kind's `expansion`).
 */
export const checkExpansion = (op: string, net: Layer, budget: Required<Budget>): number => {
  const count = (l: Layer, path: string, depth: number): number => {
    if (depth >= MAX_DEPTH) throw tooDeep(op, 'the network', where(path))
    // every layer is visited here first, so a hand-made record is refused before it is read
    checkBuilt(op, l, path === '' ? 'the network' : `layer ${path}`)
    const at = (name: string): string => (path === '' ? name : `${path}.${name}`)
    const k = kindOf(l)
    if (k.expansion !== undefined) return k.expansion(l, (c, name) => count(c, at(name), depth + 1))
    let n = 1
    for (const [name, c] of k.children(l)) n += count(c, at(name), depth + 1)
    return n
  }
  const layers = count(net, '', 0)
  if (!(layers <= budget.maxLayers)) {
    fail(
      'RESOURCE_LIMIT',
      op,
      `the network expands to ${layers} layers (each copy of a repeat body counted), more than the budget of ${budget.maxLayers}; ` +
        'use fewer repeats, or pass a larger budget: { budget: { maxLayers } }.',
    )
  }
  return layers
}

/** Number of values in a tree of leaf structures. */
export const structureSize = (t: TreeOf<LeafStructure>): number => {
  if (isLeafStructure(t)) return t.shape.reduce((p, d) => p * d, 1)
  let n = 0
  for (const c of Array.isArray(t) ? t : Object.values(t)) n += structureSize(c as TreeOf<LeafStructure>)
  return n
}

/** Whether a node of an abstract variables tree is a leaf, `{ dtype, shape }`. */
export const isLeafStructure = (t: unknown): t is LeafStructure => typeof t === 'object' && t !== null && !Array.isArray(t) && typeof (t as { dtype?: unknown }).dtype === 'string' && Array.isArray((t as { shape?: unknown }).shape)

/** Refuses (RESOURCE_LIMIT) `values` parameter and state values of `dtype` beyond the budget. */
export const checkValues = (op: string, values: number, dtype: FloatDType, budget: Required<Budget>): void => {
  const bytes = values * bytesPer[dtype]
  const over = !(values <= budget.maxParams) ? `more than the budget of ${budget.maxParams} values` : !(bytes <= budget.maxBytes) ? `${bytes} bytes of ${dtype}, more than the budget of ${budget.maxBytes} bytes` : undefined
  if (over !== undefined) {
    fail(
      'RESOURCE_LIMIT',
      op,
      `the network's parameters and state hold ${values} values, ${over}; nothing was allocated. ` +
        'Use smaller layers, or pass a larger budget if the machine has the memory: { budget: { maxParams, maxBytes } }.',
    )
  }
}

/** Refuses (RESOURCE_LIMIT) variables, described by their structure, beyond the budget. */
export const checkVarsBudget = (op: string, vars: VarsOf<LeafStructure>, dtype: FloatDType, budget: Required<Budget>): void =>
  checkValues(op, structureSize(vars.params) + structureSize(vars.state), dtype, budget)

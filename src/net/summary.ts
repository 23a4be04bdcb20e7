/** A Keras-style summary: each layer with its output shape and parameter count. */
import { type FloatDType, isFloat } from '../core/dtype.js'
import { describe, fail, orThrow } from '../core/errors.js'
import { type Budget, resolveBudget } from '../core/limits.js'
import { checkOptions } from '../core/options.js'
import { key } from '../rng/index.js'
import type { LeafStructure } from '../tree/index.js'
import { checkExpansion, checkValues, structureSize } from './budget.js'
import { checkLayer } from './check.js'
import { type Recurse, ShapeProblem } from './Kind.js'
import { shape } from './interpret.js'
import { type Layer, type Shapes, showShapes } from './Layer.js'
import { kindOf } from './registry.js'

interface Row {
  readonly path: string
  readonly depth: number
  readonly label: string
  readonly out: Shapes
  readonly params: number | undefined
  readonly state: number | undefined
}

const batchOf = (s: Shapes): string => (Array.isArray(s) ? `[*, ${(s as number[]).join(', ')}]`.replace(', ]', ']') : showShapes(s))

/** Options of `summary`. */
export interface SummaryOptions {
  /** limits on the network's size; default `defaultBudget` */
  readonly budget?: Budget
}

/**
 * A table of the layers of `net` for a per-example input shape: path, kind, output shape (with
 * `*` for the batch axis) and parameter count, then the totals of trainable parameters and of
 * state (e.g. batch-norm statistics). Nothing is allocated: the counts come from the shapes
 * the layers' variables would have. Refuses what `init` would refuse with the same budget
 * (TOO_DEEP, RESOURCE_LIMIT), before walking the layers.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net } from 'puregrad'
 * const text = Net.summary(Net.serial(Net.dense(128), Net.relu, Net.dense(10)), [784])
 * assert.match(text, /Dense\(128\) +\[\*, 128\] +100,480/) // 784 × 128 weights + 128 biases
 * assert.ok(text.includes('Total parameters: 101,770'))
 * assert.throws(() => Net.summary(Net.repeat(1e9, Net.dense(8)), [8]), { code: 'RESOURCE_LIMIT' })
 * @category interpreters
 */
export const summary = (net: Layer, inShape: Shapes, dtype: FloatDType = 'float32', opts: SummaryOptions = {}): string => {
  checkLayer('summary', net)
  if (!isFloat(dtype)) fail('DTYPE_MISMATCH', 'summary', `the dtype of the parameters must be 'float32' or 'float64'; got ${describe(dtype)}.`)
  checkOptions('summary', opts, ['budget'])
  const budget = resolveBudget('summary', opts.budget)
  checkExpansion('summary', net, budget)
  orThrow(shape(net, inShape, { budget }))
  const rows: Row[] = []
  const walk = (l: Layer, path: string, depth: number, s: Shapes): Shapes => {
    const k = kindOf(l)
    const index = rows.length
    rows.push({ path, depth, label: k.label(l), out: s, params: undefined, state: undefined })
    const r: Recurse<LeafStructure> = {
      shape: (c, name, cs) => walk(c, path === '' ? name : `${path}.${name}`, depth + 1, cs),
      init: () => fail('INVALID_ARGUMENT', 'summary', 'internal: no init while summarising'),
      apply: () => fail('INVALID_ARGUMENT', 'summary', 'internal: no apply while summarising'),
      variable: (shape) => ({ dtype, shape }),
    }
    let out: Shapes
    try {
      out = k.shape(l, s, r)
    } catch (e) {
      throw e instanceof ShapeProblem ? new Error(e.message) : e
    }
    const leaf = k.children(l).length === 0
    const vars = leaf ? k.init(l, key(0), s, dtype, r) : undefined
    rows[index] = { ...rows[index]!, out, params: vars && structureSize(vars.params), state: vars && structureSize(vars.state) }
    return out
  }
  walk(net, '', 0, inShape)
  const fmt = (n: number): string => n.toLocaleString('en-US')
  const table = rows.map((r) => [`${'  '.repeat(r.depth)}${r.path === '' ? '' : `${r.path}  `}${r.label}`, batchOf(r.out), r.params === undefined ? '' : fmt(r.params + (r.state ?? 0))])
  const header = ['Layer', 'Output shape', 'Parameters']
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)))
  const line = (cells: string[]): string => cells.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('   ').trimEnd()
  const params = rows.reduce((s, r) => s + (r.params ?? 0), 0)
  const state = rows.reduce((s, r) => s + (r.state ?? 0), 0)
  checkValues('summary', params + state, dtype, budget)
  const rule = '─'.repeat(widths.reduce((s, w) => s + w, 0) + 6)
  return [
    line(header),
    rule,
    ...table.map(line),
    rule,
    `Total parameters: ${fmt(params + state)} (trainable ${fmt(params)}, state ${fmt(state)})`,
    `Input: ${batchOf(inShape)}`,
  ].join('\n')
}

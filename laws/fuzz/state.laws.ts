/**
 * Fuzzing the saved states a user resumes from, and network edits: a mutated fit state or
 * optimizer state is refused with a clear error, or it resumes into a run that ends in a value
 * or a clear error; an edit makes a checked network or is refused. Never a crash deep inside.
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect } from 'vitest'
import { crc32 } from '../../src/core/crc32.js'
import { Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree } from '../../src/index.js'
import { fromJSON } from '../optim.js'
import { right } from '../../test/util.js'
import { type Json, anyNum, mutated, mutationOf, outcome, untouched, valueOr } from './support.js'

// ---------------------------------------------------------------------------------------------
// Fit states (Train.encodeFit / decodeFit)

const trainer: Train.Trainer<unknown> = {
  network: Net.serial(Net.dense(3), Net.batchNorm(), Net.relu, Net.dense(1)),
  optimizer: Optim.adam(0.01) as Optim.GradientTransformation<unknown>,
  loss: Loss.meanSquaredError,
}
const train = Data.dataset(T.reshape(T.arange(0, 8), [4, 2]), T.ones([4, 1]))
const saved = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [2]), train, { epochs: 1, batchSize: 2 })
const fitDoc = JSON.parse(Train.encodeFit(saved)) as Json

/** The document with its checksum recomputed (if it still has one), so a mutation reaches the checks of every field. */
const resigned = (doc: Json): Json => {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || typeof doc['checksum'] !== 'string') return doc
  const { checksum: _, ...body } = doc
  return { ...body, checksum: `crc32:${crc32(JSON.stringify(body))}` }
}

/** Decoding then resuming: a refusal with one of the codes a bad file may get, or a run. */
const resumes = (text: string): void => {
  const decoded = valueOr(() => right(Train.decodeFit(text)), 'INVALID_VALUE')
  if (!decoded.ok) return
  const run = valueOr(() => Train.fit(trainer, decoded.value, train, { epochs: 2, batchSize: 2 }), 'INVALID_VALUE', 'SHAPE_MISMATCH', 'INVALID_KEY', 'DTYPE_MISMATCH', 'TREE_MISMATCH')
  if (run.ok) expect(run.value.history.length).toBeGreaterThanOrEqual(1)
}

describe('fuzz: resuming saved fit states', () => {
  test('the saved state resumes where it stopped', () => {
    const resumed = Train.fit(trainer, right(Train.decodeFit(Train.encodeFit(saved))), train, { epochs: 2, batchSize: 2 })
    const straight = Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [2]), train, { epochs: 2, batchSize: 2 })
    expect(Train.encodeFit(resumed)).toBe(Train.encodeFit(straight))
  })
  test.prop([fc.array(mutationOf(fitDoc), { minLength: 1, maxLength: 3 })], { numRuns: 300 })('a mutated fit state: refused with INVALID_VALUE, or it resumes', (ms) => {
    const doc = mutated(fitDoc, ms)
    fc.pre(doc !== undefined)
    resumes(JSON.stringify(resigned(doc)))
  })
  test.prop([fc.array(mutationOf(fitDoc), { minLength: 1, maxLength: 3 })], { numRuns: 100 })('a fit state changed after saving (checksum not recomputed) is refused with INVALID_VALUE', (ms) => {
    const doc = mutated(fitDoc, ms)
    fc.pre(doc !== undefined && JSON.stringify(doc) !== JSON.stringify(fitDoc))
    const decoded = valueOr(() => right(Train.decodeFit(JSON.stringify(doc))), 'INVALID_VALUE')
    expect(decoded.ok).toBe(false)
  })
  test.prop([fc.anything({ maxDepth: 3 })], { numRuns: 100 })('decodeFit of arbitrary JSON: refused with INVALID_VALUE, never another error', (u) => {
    resumes(JSON.stringify(u) ?? 'undefined')
    valueOr(() => right(Train.decodeFit(u as string)), 'INVALID_VALUE')
  })
})

// ---------------------------------------------------------------------------------------------
// Optimizer states (JSON.stringify / Optim.stateFromJSON, which returns its refusal: a throw fails the law)

const params = { W: T.tensor([[1, 2], [3, 4]]), b: T.tensor([0.5, -0.5]) }
const grads = { W: T.tensor([[0.1, -0.2], [0.3, 0.4]]), b: T.tensor([1, -1]) }
const optimizers: ReadonlyArray<readonly [string, Optim.GradientTransformation<unknown>]> = [
  ['adam', Optim.adam(0.01) as Optim.GradientTransformation<unknown>],
  ['sgd momentum', Optim.sgd(0.1, { momentum: 0.9 }) as Optim.GradientTransformation<unknown>],
  ['rmsprop', Optim.rmsprop(0.01) as Optim.GradientTransformation<unknown>],
  ['chain(clip, adamw)', Optim.chain(Optim.clipByGlobalNorm(1), Optim.adamw(0.01)) as Optim.GradientTransformation<unknown>],
]

describe('fuzz: resuming optimizer states', () => {
  for (const [name, tx] of optimizers) {
    const [, s1] = tx.update(grads, tx.init(params), params)
    const doc = JSON.parse(JSON.stringify(s1)) as Json
    test(`${name}: the saved state resumes bit for bit`, () => {
      const [u1] = tx.update(grads, s1, params)
      const [u2] = tx.update(grads, fromJSON(doc), params)
      expect(Tree.leaves(u2).every((l, i) => T.equals(l.value, Tree.leaves(u1)[i]!.value))).toBe(true)
    })
    test.prop([fc.array(mutationOf(doc), { minLength: 1, maxLength: 3 })], { numRuns: 100 })(`${name}: a mutated state is refused, or update gives a value or a clear error`, (ms) => {
      const m = mutated(doc, ms)
      fc.pre(m !== undefined)
      const state = Optim.stateFromJSON(m)
      if (E.isLeft(state)) return void expect(['INVALID_VALUE', 'RESOURCE_LIMIT']).toContain(state.left.code)
      const step = valueOr(() => tx.update(grads, state.right, params), 'INVALID_VALUE', 'SHAPE_MISMATCH', 'DTYPE_MISMATCH', 'INVALID_ARGUMENT', 'TREE_MISMATCH')
      if (step.ok) expect(Tree.leaves(step.value[0]).map((l) => l.path)).toEqual(Tree.leaves(grads).map((l) => l.path))
    })
    test.prop([fc.array(mutationOf(doc), { minLength: 1, maxLength: 3 })], { numRuns: 100 })(`${name}: read against a fresh state, a mutated state is refused or updates cleanly`, (ms) => {
      const m = mutated(doc, ms)
      fc.pre(m !== undefined)
      const state = Optim.stateFromJSON(m, tx.init(params))
      if (E.isLeft(state)) return void expect(['INVALID_VALUE', 'RESOURCE_LIMIT']).toContain(state.left.code)
      const [u] = tx.update(grads, state.right, params)
      expect(Tree.leaves(u).map((l) => [l.path, l.value.shape])).toEqual(Tree.leaves(grads).map((l) => [l.path, l.value.shape]))
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Network edits (Net.edit)

const net = Net.serial(Net.conv2d(4, 3, { padding: 'same' }), Net.relu, Net.maxPool2d(2), Net.flatten, Net.dropout(0.5), Net.dense(10))
const layerPaths = (l: Net.Layer, at: number[] = []): number[][] =>
  [at, ...('layers' in l ? l.layers.flatMap((c, i) => layerPaths(c, [...at, i])) : 'body' in l ? layerPaths(l.body, [...at, -1]) : [])]
const fields = ['units', 'filters', 'kernelSize', 'strides', 'padding', 'size', 'keep', 'fn', '_tag', 'layers', 'extra'] as const

describe('fuzz: editing networks', () => {
  test.prop([fc.constantFrom(...layerPaths(net)), fc.constantFrom(...fields), fc.oneof(anyNum, fc.constantFrom<unknown>('same', 'valid', 'Dense', 'Nope', [2, 2], [0], [], 'relu'))], { numRuns: 300 })(
    'setting any field of any layer to anything: a checked network, or INVALID_ARGUMENT / INVALID_VALUE; the original unchanged',
    (path, field, value) => {
      const before = JSON.stringify(net)
      const o = untouched(value, () =>
        valueOr(
          () =>
            Net.edit(net, (d) => {
              let node: any = d
              for (const i of path) node = i === -1 ? node.body : node.layers[i]
              node[field] = value
            }),
          'INVALID_ARGUMENT',
          'INVALID_VALUE',
        ),
      )
      expect(JSON.stringify(net)).toBe(before)
      if (o.ok) {
        // an accepted edit gives a network the interpreters take (or refuse with a shape error)
        const shape = outcome(() => Net.shape(o.value, [8, 8, 1]))
        expect(shape.ok).toBe(true) // Net.shape returns its refusals as a Left
        if (shape.ok && E.isRight(shape.value)) {
          // a network whose parameters exceed the budget is refused before they are made
          const vars = valueOr(() => Net.init(o.value, { key: Rng.key(0), inShape: [8, 8, 1] }), 'RESOURCE_LIMIT', 'INVALID_SHAPE')
          if (vars.ok) expect((Net.apply(o.value, vars.value, T.zeros([2, 8, 8, 1])).y as T.Tensor).shape[0]).toBe(2)
        } else if (shape.ok && E.isLeft(shape.value)) expect(['SHAPE_MISMATCH', 'RESOURCE_LIMIT']).toContain(shape.value.left.code)
      }
    },
  )
})

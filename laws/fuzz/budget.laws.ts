/**
 * The abstract init pass on random networks: `initStructure` is exactly the structure of what
 * `init` makes, and the budget it checks decides exactly which networks `init`, `summary` and
 * `decode` accept: a budget of the variables' own size admits them, one value less refuses
 * them with RESOURCE_LIMIT.
 */
import { fc, test } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect } from 'vitest'
import { Net, PuregradError, Rng, Tree } from '../../src/index.js'
import * as A from '../arb/net.js'

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })
const dtype = fc.constantFrom<'float32' | 'float64'>('float32', 'float64')

const resourceLimit = (f: () => unknown): boolean => {
  try {
    f()
  } catch (e) {
    return e instanceof PuregradError && e.code === 'RESOURCE_LIMIT'
  }
  return false
}

describe('budget laws', () => {
  test.prop([A.network(), A.width, dtype, seed], { numRuns: 40 })('initStructure is the structure of init, and the budget decides exactly', (net, w, dt, s) => {
    const vars = Net.init(net, { key: Rng.key(s), inShape: [w], dtype: dt })
    const structure = Net.initStructure(net, { inShape: [w], dtype: dt })
    expect(structure.params).toEqual(Tree.structure(vars.params))
    expect(structure.state).toEqual(Tree.structure(vars.state))
    expect(structure.outShape).toEqual(vars.outShape)

    const values = Tree.size(vars.params) + Tree.size(vars.state)
    const bytes = values * (dt === 'float64' ? 8 : 4)
    const fits = { budget: { maxParams: Math.max(values, 1), maxBytes: Math.max(bytes, 1) } }
    expect(Net.init(net, { key: Rng.key(s), inShape: [w], dtype: dt, ...fits }).outShape).toEqual(vars.outShape)
    expect(Net.summary(net, [w], dt, fits)).toContain(`Total parameters: ${values.toLocaleString('en-US')}`)
    const text = Net.encode({ network: net, inShape: [w], ...vars })
    expect(E.isRight(Net.decode(text, fits))).toBe(true)
    if (values > 1) {
      const tight = { budget: { maxParams: values - 1 } }
      expect(resourceLimit(() => Net.init(net, { key: Rng.key(s), inShape: [w], dtype: dt, ...tight }))).toBe(true)
      expect(resourceLimit(() => Net.summary(net, [w], dt, tight))).toBe(true)
      const r = Net.decode(text, tight)
      expect(E.isLeft(r) && r.left.code).toBe('RESOURCE_LIMIT')
      expect(resourceLimit(() => Net.init(net, { key: Rng.key(s), inShape: [w], dtype: dt, budget: { maxBytes: bytes - 1 } }))).toBe(true)
    }
  })
})

import { describe, expect, it } from 'vitest'
import { truthTables } from '../../examples/neurons.js'

describe('examples/neurons (source note 003)', () => {
  it('single sigmoid neurons compute AND, OR, NOR; two layers compute XNOR and XOR', () => {
    expect(truthTables()).toEqual({ AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], NOR: [1, 0, 0, 0], XNOR: [1, 0, 0, 1], XOR: [0, 1, 1, 0] })
  })
})

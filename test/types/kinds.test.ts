// A built-in layer kind must carry an ONNX lowering and examples (which the laws check it on):
// the compiler refuses one without, both where a kind is declared and in the list of kinds.
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { BuiltinKind } from '../../src/net/Kind.js'
import { type LayerNorm, layerNormKind } from '../../src/net/kinds/layerNorm.js'

describe('the type of a built-in kind', () => {
  it('refuses a kind without examples or without an ONNX lowering', () => {
    const { examples, ...withoutExamples } = layerNormKind
    const { lower, ...withoutLowering } = layerNormKind
    // @ts-expect-error a built-in kind needs examples
    const a: BuiltinKind<LayerNorm> = withoutExamples
    // @ts-expect-error a built-in kind needs an ONNX lowering
    const b: BuiltinKind<LayerNorm> = withoutLowering
    // @ts-expect-error examples are a non-empty list
    const c: BuiltinKind<LayerNorm> = { ...layerNormKind, examples: () => [] }
    expectTypeOf(examples).toBeFunction()
    expect([a, b, c].every((k) => k.tag === 'LayerNorm') && typeof lower === 'function').toBe(true)
  })
})

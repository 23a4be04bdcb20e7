/**
 * Rules of the random primitives. Nothing flows through a random draw: its words and values
 * are constants of every differentiation (no tangent, no cotangent). Batching puts the batch
 * axis first, where the primitives take any number of leading axes of keys: a batch of keys
 * gives a batch of independent draws, each what its key gives alone. @internal
 */
import { bind } from '../../prims/bind.js'
import type { RandomPrim } from '../../prims/Prim.js'
import { broadcasting, toFront } from './batch.js'
import type { Rule } from './Rule.js'

const none = { jvp: () => null, vjp: (_: unknown, xs: ReadonlyArray<unknown>) => xs.map(() => null), constant: true } as const

export const randomRules: { readonly [P in RandomPrim]: Rule<P> } = {
  randomBits: { ...none, batch: ([key], [a], p) => [bind('randomBits', [toFront(key!, a!)], p), 0] },
  // keys and counters broadcast against each other over their leading axes, as elementwise operands do
  threefry2x32: { ...none, batch: broadcasting },
  fromBits: { ...none, batch: ([bits], [a], p) => [bind('fromBits', [toFront(bits!, a!)], p), 0] },
}

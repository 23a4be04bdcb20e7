/**
 * User-defined primitives (`Ad.custom`). A rule the user did not give is never looked up
 * here: the interpreters then trace through the user's function body instead. @internal
 */
import { orZeros } from './linear.js'
import { describe, fail, showShape } from '../../core/errors.js'
import { isTensor } from '../../core/Tensor.js'
import { loop, toFront } from './batch.js'
import type { Rule } from './Rule.js'

export const customRules: { readonly custom: Rule<'custom'> } = {
  custom: {
    jvp: (xs, ts, out, { rule }) => {
      if (rule.jvp === undefined) throw new Error(`internal: custom ${rule.name} has no jvp; the interpreter traces its body`)
      return rule.jvp(xs, ts.map((t, i) => orZeros(t, xs[i]!)), out)
    },
    vjp: (g, xs, out, { rule }) => {
      if (rule.vjp === undefined) throw new Error(`internal: custom ${rule.name} has no vjp; the interpreter traces its body`)
      return rule.vjp(g, xs, out)
    },
    // without a batch rule the user's function is opaque: it runs once per example (its own
    // rules still apply to each call); with one, it runs once on the batch, batch axes first
    batch: (xs, axes, params, cx) => {
      const { rule } = params
      if (rule.batch === undefined) return loop(xs, axes, params, cx)
      const out = rule.batch(xs.map((x, i) => (axes[i] === null ? x : toFront(x, axes[i]!))), axes.map((a) => a !== null), cx.size)
      if (!isTensor(out) || out.rank === 0 || out.shape[0] !== cx.size) {
        fail(
          'INVALID_SHAPE',
          rule.name,
          `the batch rule returned ${isTensor(out) ? `a tensor of shape ${showShape(out.shape)}` : describe(out)} for a batch of ${cx.size}; ` +
            `it must return one tensor with the batch axis first (size ${cx.size}), each example's result after it.`,
        )
      }
      return [out, 0]
    },
  },
}

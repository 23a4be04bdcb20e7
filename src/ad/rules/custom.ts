/**
 * User-defined primitives (`Ad.custom`). A rule the user did not give is never looked up
 * here: the interpreters then trace through the user's function body instead. @internal
 */
import { orZeros } from './linear.js'
import { loop } from './batch.js'
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
    // the user's function is opaque: it runs once per example (its own rules still apply to each call)
    batch: loop,
  },
}

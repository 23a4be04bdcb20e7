/** User-defined primitives (`Ad.custom`): evaluated by the user's function. @internal */
import type { Evaluation } from '../Prim.js'

export const customEval: { readonly custom: Evaluation<'custom'> } = {
  custom: (xs, { rule }) => rule.f(...xs),
}

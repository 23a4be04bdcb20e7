/** User-defined primitives (`Ad.custom`): evaluated by the user's function. @internal */
import { checkTensor } from '../../core/Tensor.js'
import type { Evaluation } from '../Prim.js'

export const customEval: { readonly custom: Evaluation<'custom'> } = {
  custom: (xs, { rule }) => checkTensor(rule.name, rule.f(...xs), 'the value of the wrapped function'),
}

/**
 * What every exported model shares: the opsets written, the IR version that goes with each,
 * and the check of an `opset` option.
 * @internal
 */
import { fail } from '../core/errors.js'

/** The opsets the exporters write: 13 (the default) to 21. */
export const MIN_OPSET = 13
export const MAX_OPSET = 21

/** The ONNX IR version that goes with each opset. */
export const irVersion = (opset: number): number => (opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10)

/** The opset option checked: a whole number from MIN_OPSET to MAX_OPSET (default MIN_OPSET). */
export const checkOpset = (op: string, opset: unknown): number => {
  const o = opset ?? MIN_OPSET
  if (typeof o !== 'number' || !Number.isInteger(o) || o < MIN_OPSET || o > MAX_OPSET) {
    return fail('INVALID_ARGUMENT', op, `opset must be a whole number from ${MIN_OPSET} to ${MAX_OPSET}; got ${JSON.stringify(o)}. Use the default (${MIN_OPSET}) unless a runtime needs a newer one.`)
  }
  return o
}

/**
 * The network an exported graph computes, as layers: the exported network without its dropout
 * layers (ONNX leaves them out), and, when batch norms were folded, each dense or convolution
 * layer followed by a batch norm in a serial replaced by the layer with a bias, which holds the
 * folded weights (as `chain` in kinds/serial.ts folds them).
 * @internal
 */
import type { Layer } from '../../Layer.js'
import { kindOf } from '../../registry.js'
import { identity } from '../../kinds/identity.js'
import { serial } from '../../kinds/serial.js'

export const computedNetwork = (l: Layer, folded: boolean): Layer => {
  if (l._tag === 'Dropout') return identity
  if (l._tag === 'Serial') {
    const out: Layer[] = []
    for (let i = 0; i < l.layers.length; i++) {
      const c = l.layers[i]!
      if (folded && (c._tag === 'Dense' || c._tag === 'Conv2d') && l.layers[i + 1]?._tag === 'BatchNorm') {
        out.push(Object.freeze({ ...c, useBias: true }))
        i++
      } else out.push(computedNetwork(c, folded))
    }
    return serial(...out)
  }
  const rebuilt: Record<string | symbol, unknown> = { ...l }
  for (const [field, form] of Object.entries(kindOf(l).sublayers ?? {})) {
    const v = rebuilt[field] as Layer | ReadonlyArray<Layer>
    rebuilt[field] = form === 'one' ? computedNetwork(v as Layer, folded) : Object.freeze((v as ReadonlyArray<Layer>).map((c) => computedNetwork(c, folded)))
  }
  return Object.freeze(rebuilt) as unknown as Layer
}

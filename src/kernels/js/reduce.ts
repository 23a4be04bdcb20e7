/**
 * Reductions over any set of axes, and arg-reductions along one axis.
 *
 * The input is walked once in row-major order; each axis carries an output stride (0 for a
 * reduced axis), so every element lands in its output cell without a transpose. Sums
 * accumulate in float64; means divide that sum by the count before rounding once (so a float32
 * mean cannot overflow where its value is representable). max/min propagate NaN.
 * @internal
 */
import type { Buffer } from '../../core/dtype.js'
import type { Shape } from '../../core/shape.js'
import type { ReduceOp } from '../Kernels.js'

const init: { readonly [P in ReduceOp]: number } = { sum: 0, mean: 0, max: -Infinity, min: Infinity }

export const reduce = (op: ReduceOp, x: Buffer, shape: Shape, axes: ReadonlyArray<number>, out: Buffer): void => {
  const acc = new Float64Array(out.length).fill(init[op])
  const rank = shape.length
  if (x.length > 0) {
    if (rank === 0) {
      acc[0] = x[0]!
    } else {
      // output strides per input axis (0 on reduced axes)
      const os = new Array<number>(rank).fill(0)
      let s = 1
      for (let i = rank - 1; i >= 0; i--) {
        if (!axes.includes(i)) {
          os[i] = s
          s *= shape[i]!
        }
      }
      const len = shape[rank - 1]!
      const ol = os[rank - 1]!
      const idx = new Array<number>(rank - 1).fill(0)
      let o = 0
      let xi = 0
      for (;;) {
        step(op, x, xi, len, acc, o, ol)
        xi += len
        let ax = rank - 2
        for (; ax >= 0; ax--) {
          if (++idx[ax]! < shape[ax]!) {
            o += os[ax]!
            break
          }
          idx[ax] = 0
          o -= (shape[ax]! - 1) * os[ax]!
        }
        if (ax < 0) break
      }
    }
  }
  if (op === 'mean') {
    const count = axes.reduce((p, a) => p * shape[a]!, 1)
    for (let i = 0; i < out.length; i++) out[i] = acc[i]! / count
  } else for (let i = 0; i < out.length; i++) out[i] = acc[i]!
}

/** Folds one contiguous input row into acc, the output moving by `ol` per element (0: one cell). */
const step = (op: ReduceOp, x: Buffer, xi: number, len: number, acc: Float64Array, o: number, ol: number): void => {
  switch (op) {
    case 'sum':
    case 'mean':
      if (ol === 0) {
        let s = 0
        for (let i = 0; i < len; i++) s += x[xi + i]!
        acc[o]! += s
      } else for (let i = 0; i < len; i++) acc[o + i * ol]! += x[xi + i]!
      return
    case 'max':
      for (let i = 0; i < len; i++) {
        const v = x[xi + i]!
        const c = o + i * ol
        if (v > acc[c]! || v !== v) acc[c] = v
      }
      return
    case 'min':
      for (let i = 0; i < len; i++) {
        const v = x[xi + i]!
        const c = o + i * ol
        if (v < acc[c]! || v !== v) acc[c] = v
      }
      return
  }
}

export const argReduce = (op: 'argmax' | 'argmin', x: Buffer, shape: Shape, axis: number, out: Int32Array): void => {
  const n = shape[axis]!
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1)
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1)
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j
      let best = x[base]!
      let bi = 0
      for (let i = 1; i < n && best === best; i++) {
        const v = x[base + i * inner]!
        if (better(v, best) || v !== v) {
          best = v
          bi = i
        }
      }
      out[o * inner + j] = bi
    }
  }
}

/**
 * The compound behind `scan`, over flat lists of tensors: constants K (the values the body
 * closes over), the carry C and the scanned inputs X (each with the steps on its first axis);
 * outputs the final carry and the per-step outputs Y stacked on a new first axis.
 *
 * Its rules are scans themselves, so a scan stays one operation under every interpreter and
 * nests:
 *
 * - forward mode scans the body's JVP over (primal, tangent) pairs;
 * - reverse mode scans forward once, saving the carry that enters each step, and its pullback
 *   scans backward, recomputing each step's VJP from its saved carry: the tape holds one node
 *   and the saved carries, not one node per operation per step;
 * - batching scans the body mapped over the batch (`vmap` of the body).
 * @internal
 */
import type { DType } from '../core/dtype.js'
import { isFloat } from '../core/dtype.js'
import type { Tensor } from '../core/Tensor.js'
import { bindCompound, primalAt } from '../prims/bind.js'
import type { Compound } from '../prims/Compound.js'
import * as T from '../tensor/index.js'
import { batching } from './batching.js'
import { forward } from './forward.js'
import { reverse } from './reverse.js'
import { broadcastAt, materialize, moveAxis, toFront } from './rules/batch.js'

type Linear = Tensor | null
type Tensors = ReadonlyArray<Tensor>

/** One step: constants, carry and this step's inputs to the next carry and this step's outputs. */
export type Body = (k: Tensors, c: Tensors, x: Tensors) => readonly [Tensors, Tensors]

/** A leaf's shape and dtype. */
export interface Aval {
  readonly shape: ReadonlyArray<number>
  readonly dtype: DType
}

export interface ScanSpec {
  readonly body: Body
  readonly nK: number
  readonly nX: number
  readonly length: number
  readonly reverse: boolean
  /** the carry's leaves */
  readonly carry: ReadonlyArray<Aval>
  /** one step's outputs (stacked, each gains a first axis of `length`) */
  readonly ys: ReadonlyArray<Aval>
}

const avalOf = (t: Tensor): Aval => ({ shape: t.shape, dtype: t.dtype })
const zerosOf = (a: Aval): Tensor => T.zeros(a.shape, a.dtype)

/** Step t of a scanned input (its first axis). */
export const row = (x: Tensor, t: number): Tensor => T.reshape(T.slice(x, [t], [1]), x.shape.slice(1))

/** Steps [from, from + n) of a scanned input. */
const rows = (x: Tensor, from: number, n: number): Tensor => T.slice(x, [from], [n])

/** The per-step values of one output stacked on a new first axis. */
const stackRows = (ys: Tensors, a: Aval): Tensor => (ys.length === 0 ? T.zeros([0, ...a.shape], a.dtype) : T.stack(ys, 0))

const indices = (n: number, keep: (i: number) => boolean): number[] => Array.from({ length: n }, (_, i) => i).filter(keep)

/**
 * Runs the loop: steps `first` on (or all of them), starting from the carry `c`. `done`
 * holds the outputs of the steps already taken (the probe's first step).
 */
export const loop = (spec: ScanSpec, k: Tensors, c0: Tensors, X: Tensors, done?: { readonly c: Tensors; readonly y: Tensors }): Tensors => {
  const { length, reverse } = spec
  const ys: Array<Tensors> = new Array<Tensors>(length)
  let c = c0
  let i = 0
  if (done !== undefined && length > 0) {
    c = done.c
    ys[reverse ? length - 1 : 0] = done.y
    i = 1
  }
  for (; i < length; i++) {
    const t = reverse ? length - 1 - i : i
    const [next, y] = spec.body(k, c, X.map((x) => row(x, t)))
    c = next
    ys[t] = y
  }
  return [...c, ...spec.ys.map((a, j) => stackRows(ys.map((y) => y[j]!), a))]
}

const split = <A>(xs: ReadonlyArray<A>, spec: ScanSpec): readonly [ReadonlyArray<A>, ReadonlyArray<A>, ReadonlyArray<A>] => {
  const nC = spec.carry.length
  return [xs.slice(0, spec.nK), xs.slice(spec.nK, spec.nK + nC), xs.slice(spec.nK + nC)]
}

/** Forward mode: the scan of the body's JVP; the carry gains a tangent for every float leaf. */
const jvp = (spec: ScanSpec, primals: Tensors, tangents: ReadonlyArray<Linear>): readonly [Tensors, ReadonlyArray<Linear>] => {
  const [k, c, X] = split(primals, spec)
  const [tk, tc, tx] = split(tangents, spec)
  const nC = spec.carry.length
  const nY = spec.ys.length
  const kOn = indices(spec.nK, (i) => tk[i] !== null)
  const xOn = indices(spec.nX, (i) => tx[i] !== null)
  const cOn = indices(nC, (i) => isFloat(spec.carry[i]!.dtype))
  const yOn = indices(nY, (j) => isFloat(spec.ys[j]!.dtype))
  const body: Body = (k2, c2, x2) => {
    const fw = forward('scan (jvp)')
    let out: readonly [Tensors, Tensors]
    try {
      const duals = (vs: Tensors, ts: Tensors, on: ReadonlyArray<number>, n: number): Tensors =>
        vs.slice(0, n).map((v, i) => {
          const j = on.indexOf(i)
          return j < 0 ? v : fw.dual(v, ts[n + j]!)
        })
      out = spec.body(duals(k2, k2, kOn, spec.nK), duals(c2, c2, cOn, nC), duals(x2, x2, xOn, spec.nX))
    } finally {
      fw.close()
    }
    const p = (v: Tensor): Tensor => primalAt(fw.level, v)
    const t = (v: Tensor): Tensor => fw.tangentOf(v) ?? T.zerosLike(p(v))
    const [co, yo] = out
    return [
      [...co.map(p), ...cOn.map((i) => t(co[i]!))],
      [...yo.map(p), ...yOn.map((j) => t(yo[j]!))],
    ]
  }
  const inner: ScanSpec = {
    ...spec,
    body,
    nK: spec.nK + kOn.length,
    nX: spec.nX + xOn.length,
    carry: [...spec.carry, ...cOn.map((i) => spec.carry[i]!)],
    ys: [...spec.ys, ...yOn.map((j) => spec.ys[j]!)],
  }
  const outs = bindCompound(scanCompound(inner), [
    ...k,
    ...kOn.map((i) => tk[i]!),
    ...c,
    ...cOn.map((i) => tc[i] ?? zerosOf(spec.carry[i]!)),
    ...X,
    ...xOn.map((i) => tx[i]!),
  ])
  const cT = outs.slice(nC, nC + cOn.length)
  const ys = outs.slice(nC + cOn.length, nC + cOn.length + nY)
  const yT = outs.slice(nC + cOn.length + nY)
  return [
    [...outs.slice(0, nC), ...ys],
    [...spec.carry.map((_, i) => (cOn.includes(i) ? cT[cOn.indexOf(i)]! : null)), ...spec.ys.map((_, j) => (yOn.includes(j) ? yT[yOn.indexOf(j)]! : null))],
  ]
}

/**
 * Reverse mode. The forward scan also returns the carry entering each step; the pullback runs
 * the last step's VJP, then scans the other steps backward, carrying the carry's cotangent and
 * the constants' accumulated cotangents (added in the same order as a tape of the unrolled
 * loop adds them, so gradients agree with it bit for bit where it adds them in that order).
 */
const vjp = (spec: ScanSpec, primals: Tensors, needs: ReadonlyArray<boolean>) => {
  const [k, , X] = split(primals, spec)
  const nC = spec.carry.length
  const nY = spec.ys.length
  const { length } = spec
  const saving: Body = (k2, c2, x2) => {
    const [c3, y] = spec.body(k2, c2, x2)
    return [c3, [...y, ...c2]]
  }
  const outs = bindCompound(scanCompound({ ...spec, body: saving, ys: [...spec.ys, ...spec.carry] }), primals)
  const Cs = outs.slice(nC + nY)
  const [needK, , needX] = split(needs, spec)
  const kOn = indices(spec.nK, (i) => needK[i]! && isFloat(k[i]!.dtype))
  const xOn = indices(spec.nX, (i) => needX[i]! && isFloat(X[i]!.dtype))
  const cF = indices(nC, (i) => isFloat(spec.carry[i]!.dtype))

  /** One step's VJP: cotangents of the constants (kOn), the entering carry (cF) and the inputs (xOn). */
  const stepBack = (k2: Tensors, c2: Tensors, x2: Tensors, dc: ReadonlyArray<Linear>, dy: ReadonlyArray<Linear>) => {
    const r = reverse('scan (backward step)')
    let kT: Tensors, cT: Tensors, xT: Tensors
    let out: readonly [Tensors, Tensors]
    try {
      kT = k2.map((v, i) => (kOn.includes(i) ? r.input(v) : v))
      cT = c2.map((v, i) => (cF.includes(i) ? r.input(v) : v))
      xT = x2.map((v, i) => (xOn.includes(i) ? r.input(v) : v))
      out = spec.body(kT, cT, xT)
    } finally {
      r.close()
    }
    const seeds = new Map<number, Tensor>()
    const seed = (v: Tensor, ct: Linear): void => {
      const n = ct === null ? -1 : r.nodeOf(v)
      if (n >= 0) seeds.set(n, seeds.has(n) ? T.add(seeds.get(n)!, ct!) : ct!)
    }
    cF.forEach((i, j) => seed(out[0][i]!, dc[j]!))
    out[1].forEach((v, j) => seed(v, dy[j]!))
    const adj = seeds.size === 0 ? new Map<number, Tensor>() : r.backward(seeds)
    const of = (v: Tensor): Linear => adj.get(r.nodeOf(v)) ?? null
    return { dk: kOn.map((i) => of(kT[i]!)), dc: cF.map((i) => of(cT[i]!)), dx: xOn.map((i) => of(xT[i]!)) }
  }

  const back = (cts: ReadonlyArray<Linear>): ReadonlyArray<Linear> => {
    const ctC = cts.slice(0, nC)
    const ctY = cts.slice(nC)
    const result = (dk: ReadonlyArray<Linear>, dc: ReadonlyArray<Linear>, dx: ReadonlyArray<Linear>): ReadonlyArray<Linear> => [
      ...k.map((_, i) => (kOn.includes(i) ? dk[kOn.indexOf(i)]! : null)),
      ...spec.carry.map((_, i) => (cF.includes(i) ? dc[cF.indexOf(i)]! : null)),
      ...X.map((_, i) => (xOn.includes(i) ? dx[xOn.indexOf(i)]! : null)),
    ]
    if (length === 0) return result(kOn.map(() => null), cF.map((i) => ctC[i]!), xOn.map((i) => T.zerosLike(X[i]!)))
    // the last step taken, outside the scan: its cotangents may be symbolic zeros
    const last = spec.reverse ? 0 : length - 1
    const first = stepBack(
      k,
      Cs.map((c) => row(c, last)),
      X.map((x) => row(x, last)),
      cF.map((i) => ctC[i]!),
      ctY.map((ct) => (ct === null ? null : row(ct, last))),
    )
    const dxLast = first.dx.map((d, j) => T.expandDims(d ?? T.zerosLike(row(X[xOn[j]!]!, last)), 0))
    if (length === 1) return result(first.dk, first.dc, dxLast)
    // the other steps, scanned in the opposite direction
    const from = spec.reverse ? 1 : 0
    const n = length - 1
    const yOn = indices(nY, (j) => ctY[j] !== null && isFloat(spec.ys[j]!.dtype))
    const body: Body = (kb, cb, xb) => {
      const dc = cb.slice(0, cF.length)
      const acc = cb.slice(cF.length)
      const dy = xb.slice(spec.nX + nC)
      const s = stepBack(kb, xb.slice(spec.nX, spec.nX + nC), xb.slice(0, spec.nX), dc, spec.ys.map((_, j) => (yOn.includes(j) ? dy[yOn.indexOf(j)]! : null)))
      return [
        [...s.dc.map((d, j) => d ?? T.zerosLike(dc[j]!)), ...acc.map((a, j) => (s.dk[j] === null ? a : T.add(a, s.dk[j]!)))],
        s.dx.map((d, j) => d ?? T.zerosLike(xb[xOn[j]!]!)),
      ]
    }
    const backSpec: ScanSpec = {
      body,
      nK: spec.nK,
      nX: spec.nX + nC + yOn.length,
      length: n,
      reverse: !spec.reverse,
      carry: [...cF.map((i) => spec.carry[i]!), ...kOn.map((i) => avalOf(k[i]!))],
      ys: xOn.map((i) => ({ shape: X[i]!.shape.slice(1), dtype: X[i]!.dtype })),
    }
    const outsB = bindCompound(scanCompound(backSpec), [
      ...k,
      ...first.dc.map((d, j) => d ?? zerosOf(spec.carry[cF[j]!]!)),
      ...first.dk.map((d, j) => d ?? T.zerosLike(k[kOn[j]!]!)),
      ...X.map((x) => rows(x, from, n)),
      ...Cs.map((c) => rows(c, from, n)),
      ...yOn.map((j) => rows(ctY[j]!, from, n)),
    ])
    const dc0 = outsB.slice(0, cF.length)
    const dk = outsB.slice(cF.length, cF.length + kOn.length)
    const dxs = outsB.slice(cF.length + kOn.length)
    const dx = dxs.map((d, j) => T.concat(spec.reverse ? [dxLast[j]!, d] : [d, dxLast[j]!], 0))
    return result(dk, dc0, dx)
  }
  return { outs: outs.slice(0, nC + nY), back, residuals: Cs }
}

/** Batching: the scan of the body mapped over the batch; carries and outputs carry the batch axis first (outputs: after the steps). */
const batch = (spec: ScanSpec, primals: Tensors, axes: ReadonlyArray<number | null>, size: number): readonly [Tensors, ReadonlyArray<number | null>] => {
  const [k, c, X] = split(primals, spec)
  const [ak, ac, ax] = split(axes, spec)
  const body: Body = (kb, cb, xb) => {
    const bt = batching('scan (vmap)', size)
    let out: readonly [Tensors, Tensors]
    try {
      out = spec.body(
        kb.map((v, i) => (ak[i] === null ? v : bt.example(v, 0))),
        cb.map((v) => bt.example(v, 0)),
        xb.map((v, i) => (ax[i] === null ? v : bt.example(v, 0))),
      )
    } finally {
      bt.close()
    }
    const front = (v: Tensor): Tensor => {
      const [b, a] = bt.batchOf(v)
      return a === null ? broadcastAt(b, 0, size) : toFront(b, a)
    }
    return [out[0].map(front), out[1].map(front)]
  }
  const withBatch = (a: Aval): Aval => ({ shape: [size, ...a.shape], dtype: a.dtype })
  const outs = bindCompound(scanCompound({ ...spec, body, carry: spec.carry.map(withBatch), ys: spec.ys.map(withBatch) }), [
    ...k.map((v, i) => (ak[i] === null ? v : toFront(v, ak[i]!))),
    ...c.map((v, i) => materialize(v, ac[i]!, size)),
    // the steps stay first, the batch axis comes second
    ...X.map((v, i) => (ax[i] === null ? v : moveAxis(v, ax[i]!, 1))),
  ])
  return [outs, [...spec.carry.map(() => 0), ...spec.ys.map(() => 1)]]
}

export const scanCompound = (spec: ScanSpec): Compound => ({
  name: 'scan',
  run: (inputs) => {
    const [k, c, X] = split(inputs, spec)
    return loop(spec, k, c, X)
  },
  jvp: (primals, tangents) => jvp(spec, primals, tangents),
  vjp: (primals, needs) => vjp(spec, primals, needs),
  batch: (primals, axes, size) => batch(spec, primals, axes, size),
})

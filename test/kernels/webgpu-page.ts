/**
 * The page of the WebGPU browser test (bundled by Vite, run in headless Chromium): sets up WebGPU,
 * runs each operation on host tensors and on their GPU copies, and reports every disagreement
 * beyond the op's float32 tolerance. The page's entry calls `run` and puts its result in
 * `window.__webgpu` (a bare import would be dropped: the package declares no side effects).
 *
 * Tolerances: |gpu − cpu| ≤ atol + rtol · |cpu| per element, or, for sums and products,
 * ≤ atol + rtol · (the same op on |inputs|) (the bound of float32 accumulation against the
 * reference's float64 one). Ops WGSL computes exactly (+, −, ×, comparisons, moves, max, min,
 * floor…) have tolerance 0; the others carry WGSL's stated accuracy (sin/cos: absolute 2⁻¹¹ on
 * [−π, π]; atan2: 4096 ULP), or for erf the bound of its approximation (Abramowitz & Stegun
 * 7.1.26, 1.5e-7) plus the float32 rounding of its evaluation.
 */
import { Ad, Data, Loss, Net, Optim, Rng, Tensor as T, Train, Tree, useWebGpu } from '../../src/index.js'
import { webGpuBackend } from '../../src/prims/webgpu.js'
import { Backend } from '../../src/kernels/webgpu/backend.js'
import type { Gpu } from '../../src/kernels/webgpu/gpu.js'
import { fromDevice } from '../../src/core/Tensor.js'
import { fusedGpuRuns } from '../../src/prims/eval/webgpuFused.js'
import { retainedBytes } from '../../src/ad/memory.js'

interface Tol {
  readonly atol: number
  readonly rtol: number
}
const EXACT: Tol = { atol: 0, rtol: 0 }

const failures: string[] = []
const checked: string[] = []
let seed = 100

const rand = (shape: number[], min = -2, max = 2): T.Tensor => Rng.uniform(Rng.key(seed++), shape, { min, max })

/** Host values with the specials mixed in: ±0, ±Infinity, NaN. */
const withSpecials = (x: T.Tensor): T.Tensor => T.concat([T.reshape(x, [-1]), T.tensor([0, -0, Infinity, -Infinity, NaN, 0.5, -0.5, 1.5, -2.5])])

const started = performance.now()

const compare = async (name: string, cpu: T.Tensor, gpu: T.Tensor, tol: Tol, scale?: T.Tensor): Promise<void> => {
  checked.push(name)
  console.log(`${Math.round(performance.now() - started)} ms: ${name}`)
  if (!T.isOnGpu(gpu)) return void failures.push(`${name}: result is not on the GPU`)
  if (cpu.shape.join() !== gpu.shape.join()) return void failures.push(`${name}: shape [${gpu.shape}] vs [${cpu.shape}]`)
  const c = T.toTypedArray(cpu)
  const g = await T.data(gpu)
  const s = scale === undefined ? undefined : T.toTypedArray(scale)
  for (let i = 0; i < c.length; i++) {
    const x = c[i]!
    const y = g[i]!
    if (Object.is(x, y) || (x !== x && y !== y)) continue
    const allowed = tol.atol + tol.rtol * (s === undefined ? Math.abs(x) : s[i]!)
    if (!(Math.abs(x - y) <= allowed) || (tol === EXACT && x !== y)) {
      return void failures.push(`${name}: element ${i} is ${y} on the GPU, ${x} on the CPU (allowed ${allowed})`)
    }
  }
}

/** f on host inputs against f on their GPU copies; `scaled` bounds the error by f on |inputs|. */
const agree = async (name: string, f: (...xs: T.Tensor[]) => T.Tensor, xs: T.Tensor[], tol: Tol = EXACT, scaled = false): Promise<void> => {
  try {
    await compare(name, f(...xs), f(...xs.map(T.toGpu)), tol, scaled ? f(...xs.map((x) => T.abs(x))) : undefined)
  } catch (e) {
    failures.push(`${name}: threw ${String(e)}`)
  }
}

/** Like `refused`, for a promise's rejection; the error must also name `op`. */
const refusedAsync = async (name: string, f: () => Promise<unknown>, code: string, op: string, mention: RegExp): Promise<void> => {
  checked.push(name)
  try {
    await f()
    failures.push(`${name}: not refused`)
  } catch (e) {
    const err = e as { code?: string; op?: string; message?: string }
    if (err.code !== code || err.op !== op || !mention.test(err.message ?? '')) failures.push(`${name}: ${err.code} (${err.op}) ${err.message}`)
  }
}

const refused = (name: string, f: () => unknown, code: string, mention: RegExp): void => {
  checked.push(name)
  try {
    f()
    failures.push(`${name}: not refused`)
  } catch (e) {
    const err = e as { code?: string; message?: string }
    if (err.code !== code || !mention.test(err.message ?? '')) failures.push(`${name}: ${err.code} ${err.message}`)
  }
}

export const run = async (): Promise<unknown> => {
  console.log("page: start")
  const status = await useWebGpu()
  console.log("page: webgpu", JSON.stringify(status))

  // unary maps: [op, tolerance, domain]
  const TRANSCENDENTAL: Tol = { atol: 1e-6, rtol: 1e-5 }
  const unary: Array<[keyof typeof T, Tol, number, number]> = [
    ['neg', EXACT, -4, 4], ['abs', EXACT, -4, 4], ['sign', EXACT, -4, 4], ['square', EXACT, -4, 4], ['relu', EXACT, -4, 4],
    ['floor', EXACT, -4, 4], ['ceil', EXACT, -4, 4], ['round', EXACT, -4, 4], ['isFinite', EXACT, -4, 4], ['isNaN', EXACT, -4, 4],
    ['reciprocal', { atol: 0, rtol: 1e-6 }, 0.1, 4], ['sqrt', { atol: 0, rtol: 1e-6 }, 0, 4], ['rsqrt', { atol: 0, rtol: 1e-6 }, 0.01, 4],
    ['exp', TRANSCENDENTAL, -8, 8], ['expm1', TRANSCENDENTAL, -4, 4], ['log', TRANSCENDENTAL, 0.01, 8], ['log1p', TRANSCENDENTAL, -0.9, 4],
    ['tanh', TRANSCENDENTAL, -6, 6], ['sigmoid', TRANSCENDENTAL, -8, 8], ['softplus', TRANSCENDENTAL, -8, 8], ['erf', { atol: 5e-7, rtol: 0 }, -3, 3],
    ['sin', { atol: 2 ** -11, rtol: 0 }, -3, 3], ['cos', { atol: 2 ** -11, rtol: 0 }, -3, 3],
  ]
  for (const [op, tol, min, max] of unary) {
    const f = T[op] as (x: T.Tensor) => T.Tensor
    await agree(`${op} on [${min}, ${max})`, f, [rand([300], min, max)], tol)
    // tiny inputs: where expm1, log1p and tanh must not cancel
    if (op === 'expm1' || op === 'log1p' || op === 'tanh') await agree(`${op} near 0`, f, [rand([200], -1e-3, 1e-3)], tol)
    if (tol === EXACT || op === 'exp' || op === 'sigmoid' || op === 'tanh') await agree(`${op} on ±0, ±Infinity, NaN`, f, [withSpecials(rand([8], min, max))], tol)
  }
  // a size past one row of 65535 workgroups of 64: the two-dimensional grid
  await agree('neg of 4200000 elements', T.neg, [rand([4_200_000])])

  // binary maps with broadcasting
  const shapes: Array<[number[], number[]]> = [[[3, 4], [3, 4]], [[3, 1, 5], [4, 5]], [[2, 3, 4], []], [[1], [6, 1]], [[5, 1, 3, 1], [2, 1, 4]]]
  const binary: Array<[keyof typeof T, Tol, number, number]> = [
    ['add', EXACT, -4, 4], ['sub', EXACT, -4, 4], ['mul', EXACT, -4, 4], ['div', { atol: 0, rtol: 3e-7 }, 0.2, 4],
    ['maximum', EXACT, -4, 4], ['minimum', EXACT, -4, 4], ['pow', { atol: 1e-6, rtol: 2e-5 }, 0.1, 3],
    ['atan2', { atol: 1e-6, rtol: 4096 * 2 ** -23 }, -4, 4],
    ['equal', EXACT, -1, 1], ['notEqual', EXACT, -1, 1], ['less', EXACT, -4, 4], ['lessEqual', EXACT, -4, 4], ['greater', EXACT, -4, 4], ['greaterEqual', EXACT, -4, 4],
  ]
  for (const [op, tol, min, max] of binary) {
    const f = T[op] as (a: T.Tensor, b: T.Tensor) => T.Tensor
    for (const [sa, sb] of shapes) {
      const a = op === 'equal' || op === 'notEqual' ? T.round(rand(sa, min, max)) : rand(sa, min, max)
      const b = op === 'equal' || op === 'notEqual' ? T.round(rand(sb, min, max)) : rand(sb, min, max)
      await agree(`${op} [${sa}] [${sb}]`, f, [a, b], tol)
    }
  }
  await agree('pow of negative bases, whole exponents', T.pow, [T.tensor([-2, -2, -3, -0.5, 0, 0, 2]), T.tensor([2, 3, -1, 3, 2, -1, 0.5])], { atol: 1e-6, rtol: 2e-5 })
  await agree('maximum with NaN', T.maximum, [T.tensor([NaN, 1, -Infinity]), T.tensor([0, NaN, 2])])
  // a host operand (a scalar) next to a GPU one is uploaded
  await agree('mul by a host scalar', (x) => T.mul(x, T.scalar(3)), [rand([7])])
  await agree('where', (c, a, b) => T.where(T.greater(c, 0), a, b), [rand([4, 1]), rand([4, 5]), rand([5])])

  // reductions
  const SUM: Tol = { atol: 1e-6, rtol: 1e-6 }
  for (const op of ['sum', 'mean', 'max', 'min'] as const) {
    for (const axes of [undefined, [0], [1], [2], [0, 2], [1, 2]]) {
      for (const keep of [false, true]) await agree(`${op} [3, 40, 5] axes ${axes ?? 'all'}${keep ? ' keepdims' : ''}`, (x) => T[op](x, axes, keep), [rand([3, 40, 5])], op === 'sum' || op === 'mean' ? SUM : EXACT, op === 'sum' || op === 'mean')
    }
    await agree(`${op} of 100000 elements`, (x) => T[op](x), [rand([100_000])], op === 'sum' || op === 'mean' ? SUM : EXACT, op === 'sum' || op === 'mean')
    await agree(`${op} over 70000 cells`, (x) => T[op](x, 1), [rand([70_000, 3])], op === 'sum' || op === 'mean' ? SUM : EXACT, op === 'sum' || op === 'mean')
  }
  await agree('max with NaN', (x) => T.max(x, 1), [T.tensor([[1, NaN, 3], [4, 5, 6]])])

  // matrix products: every transpose flag, sizes off the 16 tile, batched and broadcast
  const MATMUL: Tol = { atol: 1e-6, rtol: 2e-6 }
  for (const [m, n, k] of [[1, 1, 1], [5, 7, 3], [16, 16, 16], [17, 33, 19], [64, 10, 130], [70, 97, 33]] as const) {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const a = rand(ta ? [k, m] : [m, k])
      const b = rand(tb ? [n, k] : [k, n])
      await agree(`matmul ${m}×${n}×${k}${ta ? ' Aᵀ' : ''}${tb ? ' Bᵀ' : ''}`, (x, y) => T.matmul(x, y, { transposeA: ta, transposeB: tb }), [a, b], MATMUL, true)
    }
  }
  await agree('matmul batched [2, 3, 5, 4] [2, 3, 4, 6]', (a, b) => T.matmul(a, b), [rand([2, 3, 5, 4]), rand([2, 3, 4, 6])], MATMUL, true)
  await agree('matmul one matrix over a batch', (a, b) => T.matmul(a, b), [rand([4, 5, 4]), rand([4, 6])], MATMUL, true)
  await agree('matmul broadcast batches [3, 1] [1, 4]', (a, b) => T.matmul(a, b), [rand([3, 1, 5, 4]), rand([1, 4, 4, 6])], MATMUL, true)
  await agree('matmul with k = 0', (a, b) => T.matmul(a, b), [T.zeros([3, 0]), T.zeros([0, 4])])

  // moves
  await agree('reshape', (x) => T.reshape(x, [6, 4]), [rand([2, 3, 4])])
  await agree('transpose', (x) => T.transpose(x, [2, 0, 1]), [rand([2, 3, 4])])
  await agree('broadcastTo', (x) => T.broadcastTo(x, [3, 4, 5]), [rand([4, 1])])
  await agree('slice', (x) => T.slice(x, [1, 0, 2], [2, 3, 2]), [rand([3, 3, 4])])
  await agree('pad with 7', (x) => T.pad(x, [[1, 2], [0, 3]], 7), [rand([2, 3])])
  await agree('concat', (a, b) => T.concat([a, b], 1), [rand([2, 3]), rand([2, 5])])
  await agree('cast to float32', (x) => T.cast(x, 'float32'), [rand([3])])

  // gather and its adjoint
  await agree('gather axis 0', (x) => T.gather(x, [3, 3, -1, 0]), [rand([10, 4])])
  await agree('gather axis 1 with 2-d indices', (x) => T.gather(x, T.tensor([[2, 0], [1, 1]], 'int32'), 1), [rand([3, 4, 5])])
  await agree('scatterAdd', (u) => T.scatterAdd(u, [0, 2, 0, 5, 2, 2], [7, 3]), [rand([6, 3])], SUM, true)
  await agree('scatterAdd axis 1', (u) => T.scatterAdd(u, [1, 1, 0], [2, 4, 3], 1), [rand([2, 3, 3])], SUM, true)

  // convolutions (NHWC, HWIO): forward, and both adjoints through the gradient of Σ r·conv
  const CONV: Tol = { atol: 1e-6, rtol: 2e-6 }
  const convs: Array<[number[], number[], T.Conv2dOptions]> = [
    [[2, 7, 7, 3], [3, 3, 3, 5], { padding: 'same' }],
    [[2, 9, 8, 4], [3, 2, 4, 6], { strides: 2 }],
    [[1, 10, 10, 2], [3, 3, 2, 3], { dilations: 2, padding: [[1, 2], [0, 1]] }],
    [[3, 6, 6, 16], [1, 1, 16, 9], {}],
  ]
  for (const [xs, ws, opts] of convs) {
    const name = `conv2d x [${xs}] w [${ws}] ${JSON.stringify(opts)}`
    await agree(name, (x, w) => T.conv2d(x, w, opts), [rand(xs), rand(ws)], CONV, true)
    const r = rand(T.conv2d(T.zeros(xs), T.zeros(ws), opts).shape as number[])
    for (const [which, arg] of [['input', 0], ['filter', 1]] as const) {
      await agree(`${name}: gradient by the ${which}`, (x, w, rr) => Ad.grad((a: T.Tensor, b: T.Tensor) => T.sum(T.mul(T.conv2d(a, b, opts), rr)), { argnums: arg })(x, w) as T.Tensor, [rand(xs), rand(ws), r], CONV, true)
    }
  }
  // pooling: forward, gradient, and the max's selection (its forward-mode derivative)
  const pools: Array<[number[], T.Pool2dOptions]> = [
    [[2, 6, 6, 3], { size: 2 }],
    [[1, 7, 5, 2], { size: 3, strides: 2, padding: 'same' }],
    [[2, 5, 5, 1], { size: [2, 3], strides: 1 }],
  ]
  for (const [xs, opts] of pools) {
    const name = `[${xs}] ${JSON.stringify(opts)}`
    // ties: values on a coarse grid, so the first maximum decides
    await agree(`maxPool2d ${name}`, (x) => T.maxPool2d(x, opts), [T.round(rand(xs, -3, 3))])
    await agree(`maxPool2d gradient ${name}`, (x, r) => Ad.grad((a: T.Tensor) => T.sum(T.mul(T.maxPool2d(a, opts), r)))(x) as T.Tensor, [T.round(rand(xs, -3, 3)), rand(T.maxPool2d(T.zeros(xs), opts).shape as number[])])
    await agree(`maxPool2d selection ${name}`, (x, t) => Ad.jvp((a: T.Tensor) => T.maxPool2d(a, opts), [x], [t])[1] as T.Tensor, [T.round(rand(xs, -3, 3)), rand(xs)])
    await agree(`avgPool2d ${name}`, (x) => T.avgPool2d(x, opts), [rand(xs)], CONV, true)
    await agree(`avgPool2d gradient ${name}`, (x, r) => Ad.grad((a: T.Tensor) => T.sum(T.mul(T.avgPool2d(a, opts), r)))(x) as T.Tensor, [rand(xs), rand(T.avgPool2d(T.zeros(xs), opts).shape as number[])], CONV, true)
  }

  // compositions: softmax and log-softmax are built from the kernels above
  await agree('softmax', (x) => T.softmax(x), [rand([6, 10], -10, 10)], TRANSCENDENTAL)
  await agree('logSoftmax', (x) => T.logSoftmax(x), [rand([6, 10], -10, 10)], { atol: 1e-5, rtol: 1e-5 })

  // arg-reductions (exact: the index of the first maximum / minimum, or of the first NaN), short
  // axes one invocation per cell, long ones (past 16) a workgroup per cell; ties on a coarse grid
  for (const op of ['argmax', 'argmin'] as const) {
    const f = T[op]
    for (const axis of [0, 1, 2, -1]) await agree(`${op} [5, 7, 9] axis ${axis}`, (x) => f(x, axis), [rand([5, 7, 9])])
    await agree(`${op} keepdims`, (x) => f(x, 1, true), [rand([4, 6, 3])])
    await agree(`${op} with ties`, (x) => f(x, 1), [T.round(rand([6, 40], -2, 2))])
    await agree(`${op} of a long axis (workgroup per cell)`, (x) => f(x, 0), [T.round(rand([1000, 3], -50, 50))])
    await agree(`${op} of 70000 elements`, (x) => f(x, 0), [rand([70_000])])
    await agree(`${op} with NaN and ±Infinity`, (x) => f(T.reshape(x, [3, -1]), 1), [T.concat([rand([21]), T.tensor([NaN, 1, Infinity, -Infinity, NaN, -0])])])
    await agree(`${op} with NaN in a long axis`, (x) => f(x, 0), [T.concat([rand([40]), T.tensor([NaN]), rand([30]), T.tensor([NaN])])])
  }
  // int32 device tensors (argmax's indices): exact comparisons with host labels, moves of their
  // bits, where on an int32 condition, the cast to float32 and oneHot rows
  const labels20 = T.tensor(Array.from({ length: 20 }, (_, i) => (i * 7) % 6), 'int32')
  await agree('equal of argmax and int32 labels', (x) => T.equal(T.argmax(x, 1), labels20), [rand([20, 6])])
  await agree('accuracy: mean of the cast of equal(argmax, labels)', (x) => T.mean(T.cast(T.equal(T.argmax(x, 1), labels20), 'float32')), [rand([20, 6])])
  await agree('maximum and less of int32 indices', (x) => T.less(T.maximum(T.argmax(x, 1), T.argmin(x, 1)), labels20), [rand([20, 6])])
  await agree('moves of int32 indices', (x) => T.concat([T.pad(T.transpose(T.argmax(x, 2), [1, 0]), [[1, 0], [0, 2]], -3), T.slice(T.broadcastTo(T.argmin(x, 2, true), [2, 4, 3, 1]), [1, 0, 0, 0], [1, 4, 3, 1])].map((t) => T.reshape(t, [-1]))), [rand([4, 3, 5])])
  await agree('gather of int32 indices', (x) => T.gather(T.argmax(x, 1), [2, 0, 2]), [rand([3, 5])])
  await agree('where with an int32 condition', (x, y) => T.where(T.equal(T.argmax(x, 1), labels20), T.sum(x, 1), y), [rand([20, 6]), rand([20])])
  await agree('cast of int32 indices to float32', (x) => T.cast(T.argmax(x, 0), 'float32'), [rand([9, 4])])
  await agree('oneHot of argmax', (x) => T.oneHot(T.argmax(x, 1), 6), [rand([7, 6])])
  await agree('oneHot of argmin with on/off', (x) => T.oneHot(T.argmin(x, 1), 5, { on: 4, off: -1 }), [rand([7, 5])])
  checked.push('oneHot of device indices out of range: rows of NaN')
  try {
    const rows = await T.data(T.oneHot(T.argmax(T.toGpu(T.tensor([[0, 1, 5], [7, 0, 0]])), 1), 2))
    if (Array.from(rows).map(String).join() !== 'NaN,NaN,1,0') failures.push(`oneHot out of range on the GPU: ${Array.from(rows)}`)
  } catch (e) {
    failures.push(`oneHot out of range: threw ${String(e)}`)
  }
  refused('oneHot of device indices to int32', () => T.oneHot(T.argmax(T.toGpu(T.tensor([[0, 5]])), 1), 2, { dtype: 'int32' }), 'DTYPE_MISMATCH', /float32 rows only/)

  // grouped and depthwise convolutions: forward, and both adjoints
  const CONVG: Tol = { atol: 1e-6, rtol: 2e-6 }
  const grouped: Array<[number[], number[], T.Conv2dOptions]> = [
    [[2, 6, 6, 4], [3, 3, 2, 6], { groups: 2, padding: 'same' }],
    [[2, 7, 5, 3], [3, 3, 1, 6], { groups: 3, strides: 2, dilations: 1, padding: [[1, 1], [2, 0]] }],
    [[1, 9, 9, 4], [2, 2, 1, 4], { groups: 4, dilations: 2 }],
  ]
  for (const [xs, ws, opts] of grouped) {
    const name = `grouped conv2d x [${xs}] w [${ws}] ${JSON.stringify(opts)}`
    await agree(name, (x, w) => T.conv2d(x, w, opts), [rand(xs), rand(ws)], CONVG, true)
    const r = rand(T.conv2d(T.zeros(xs), T.zeros(ws), opts).shape as number[])
    for (const [which, arg] of [['input', 0], ['filter', 1]] as const) {
      await agree(`${name}: gradient by the ${which}`, (x, w, rr) => Ad.grad((a: T.Tensor, b: T.Tensor) => T.sum(T.mul(T.conv2d(a, b, opts), rr)), { argnums: arg })(x, w) as T.Tensor, [rand(xs), rand(ws), r], CONVG, true)
    }
  }

  // a small MLP: loss and gradient on the GPU against the CPU
  const net = Net.serial(Net.dense(16), Net.relu, Net.dense(3))
  const params = Net.init(net, { key: Rng.key(7), inShape: [5] }).params
  const x = rand([8, 5])
  const labels = T.tensor([0, 1, 2, 0, 1, 2, 1, 0], 'int32')
  const loss = (input: T.Tensor) => (p: Tree.Tree) => Loss.softmaxCrossEntropy(Net.forward(net, { params: p, state: [] }, input).y, labels)
  try {
    const [cpuLoss, cpuGrad] = Ad.valueAndGrad(loss(x))(params)
    const [gpuLoss, gpuGrad] = Ad.valueAndGrad(loss(T.toGpu(x)))(Tree.map(params, T.toGpu))
    const MLP: Tol = { atol: 1e-5, rtol: 1e-4 }
    await compare('MLP loss', cpuLoss, gpuLoss, MLP)
    const cs = Tree.leaves(cpuGrad).map((l) => l.value as T.Tensor)
    const gs = Tree.leaves(gpuGrad).map((l) => l.value as T.Tensor)
    if (cs.length !== gs.length || cs.length !== 4) failures.push(`MLP gradient: ${gs.length} leaves on the GPU, ${cs.length} on the CPU`)
    for (let i = 0; i < cs.length; i++) await compare(`MLP gradient leaf ${i}`, cs[i]!, gs[i]!, MLP)
  } catch (e) {
    failures.push(`MLP: threw ${String(e)}`)
  }

  // command buffers submitted per MLP training step (gradient, Adam update, the loss read), the
  // batch uploaded from the host each step: counted on the queue itself
  const queue = webGpuBackend('page').device.queue
  const submit = queue.submit.bind(queue)
  let submits = 0
  ;(queue as { submit: (c: unknown[]) => void }).submit = (c) => {
    submits++
    submit(c)
  }
  let submitsPerStep = Number.NaN
  checked.push('submits per MLP step')
  try {
    const opt = Optim.adam(0.01)
    let p = Tree.map(params, T.toGpu)
    let o = opt.init(p)
    const stepOnce = async (xb: T.Tensor, yb: T.Tensor): Promise<number> => {
      const [l, grads] = Ad.valueAndGrad((q: Tree.Tree) => Loss.softmaxCrossEntropy(Net.forward(net, { params: q, state: [] }, xb).y, yb))(p)
      const [u, next] = opt.update(grads, o, p)
      p = Optim.applyUpdates(p, u)
      o = next
      return (await T.data(l))[0]!
    }
    const xb = rand([32, 5])
    const yb = T.tensor(Array.from({ length: 32 }, (_, i) => i % 3), 'int32')
    await stepOnce(xb, yb) // pipelines compiled, buffers pooled
    const before = submits
    for (let i = 0; i < 4; i++) await stepOnce(xb, yb)
    submitsPerStep = (submits - before) / 4
    console.log(`submits per MLP step: ${submitsPerStep}`)
  } catch (e) {
    failures.push(`submits per MLP step: threw ${String(e)}`)
  }

  // a fit state with every float32 tensor on the GPU (an optimizer state also holds tags), and the
  // agreement of a GPU run's parameters with the CPU run's (|Δ| ≤ 1e-3 + 1e-3·|param|)
  const onGpu = (v: unknown): unknown =>
    T.isTensor(v) ? (v.dtype === 'float32' ? T.toGpu(v) : v)
    : Array.isArray(v) ? v.map(onGpu)
    : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, onGpu(x)]))
    : v
  const fitOnGpu = (s: Train.FitState<unknown>): Train.FitState<unknown> => ({ ...s, train: { ...s.train, params: onGpu(s.train.params) as Tree.Tree, optState: onGpu(s.train.optState) } })
  const close = (a: number, b: number, atol: number, rtol: number): boolean => Math.abs(a - b) <= atol + rtol * Math.abs(b)
  const sameParams = async (what: string, gpu: Train.FitState<unknown>, cpu: Train.FitState<unknown>): Promise<void> => {
    const gl = Tree.leaves(gpu.train.params)
    const cl = Tree.leaves(cpu.train.params)
    if (!gl.every((l) => T.isOnGpu(l.value))) failures.push(`${what}: the parameters left the GPU`)
    for (let i = 0; i < cl.length; i++) {
      const g = await T.data(gl[i]!.value)
      const c = T.toTypedArray(cl[i]!.value)
      const bad = c.findIndex((v, j) => !close(g[j]!, v, 1e-3, 1e-3))
      if (bad >= 0) failures.push(`${what}: ${cl[i]!.path}[${bad}] is ${g[bad]} on the GPU, ${c[bad]} on the CPU`)
    }
  }

  // Train.fitAsync on the GPU against Train.fit on the CPU: the same events, and losses and
  // parameters within float32 rounding grown over 12 Adam steps (stated: |Δloss| ≤ 1e-4 + 1e-4·|loss|,
  // |Δparam| ≤ 1e-3 + 1e-3·|param|, accuracies within one example)
  let fitSubmitsPerStep = Number.NaN
  checked.push('fitAsync on the GPU')
  try {
    const trainer = { network: net, optimizer: Optim.adam(0.01), loss: Loss.softmaxCrossEntropy } as Train.Trainer<unknown>
    const trainSet = Data.dataset(rand([64, 5]), T.tensor(Array.from({ length: 64 }, (_, i) => (i * 7) % 3), 'int32'))
    const devSet = Data.dataset(rand([32, 5]), T.tensor(Array.from({ length: 32 }, (_, i) => (i * 5) % 3), 'int32'))
    const opts = { epochs: 3, batchSize: 16, dev: devSet }
    const start = Train.initFit(trainer, Rng.key(11), [5])
    const cpuEvents: Train.FitEvent<unknown>[] = []
    const cpuEnd = Train.fit(trainer, start, trainSet, opts, (e) => cpuEvents.push(e))
    const gpuStart = fitOnGpu(start)
    const gpuEvents: Train.FitEvent<unknown>[] = []
    const before = submits
    const run = Train.fitAsync(trainer, gpuStart, trainSet, opts)
    let r = await run.next()
    for (; r.done !== true; r = await run.next()) gpuEvents.push(r.value)
    const steps = r.value.train.step
    fitSubmitsPerStep = (submits - before) / steps
    console.log(`fitAsync: ${submits - before} submits over ${steps} steps, 3 epoch evaluations included`)
    if (gpuEvents.map((e) => e.type).join() !== cpuEvents.map((e) => e.type).join()) failures.push(`fitAsync: events ${gpuEvents.map((e) => e.type)} vs ${cpuEvents.map((e) => e.type)}`)
    gpuEvents.forEach((e, i) => {
      const c = cpuEvents[i]!
      if (e.type === 'batch' && c.type === 'batch' && !close(e.loss, c.loss, 1e-4, 1e-4)) failures.push(`fitAsync: batch ${i} loss ${e.loss} on the GPU, ${c.loss} on the CPU`)
      if (e.type === 'epoch' && c.type === 'epoch') {
        for (const [k, ge, ce] of [['train', e.record.train, c.record.train], ['dev', e.record.dev!, c.record.dev!]] as const) {
          if (!close(ge.loss, ce.loss, 1e-4, 1e-4) || Math.abs(ge.accuracy! - ce.accuracy!) > 1 / 32 + 1e-9) failures.push(`fitAsync: epoch ${e.record.epoch} ${k} ${JSON.stringify(ge)} on the GPU, ${JSON.stringify(ce)} on the CPU`)
        }
      }
    })
    await sameParams('fitAsync', r.value, cpuEnd)
    if (r.value.train.step !== cpuEnd.train.step || r.value.history.length !== 3) failures.push(`fitAsync: step ${r.value.train.step}, ${r.value.history.length} epochs`)
  } catch (e) {
    failures.push(`fitAsync on the GPU: threw ${String(e)} ${(e as Error).stack}`)
  }

  // Train.fitStream reads the device the same way: a pipeline's batches, parameters on the GPU,
  // against the same run on the CPU (the tolerances above)
  checked.push('fitStream on the GPU')
  try {
    const trainer = { network: net, optimizer: Optim.adam(0.01), loss: Loss.softmaxCrossEntropy } as Train.Trainer<unknown>
    const data = Data.dataset(rand([48, 5]), T.tensor(Array.from({ length: 48 }, (_, i) => (i * 7) % 3), 'int32'))
    const p = Data.pipeline(Data.fromDataset(data), [Data.shuffleBuffer({ buffer: 16 }), Data.batch(16)])
    const start = Train.initFit(trainer, Rng.key(12), [5])
    const cpuLosses: number[] = []
    const gpuLosses: number[] = []
    const cpuEnd = await Train.fitStream(trainer, start, p, { epochs: 2 }, (e) => { if (e.type === 'batch') cpuLosses.push(e.loss) })
    const gpuEnd = await Train.fitStream(trainer, fitOnGpu(start), p, { epochs: 2 }, (e) => { if (e.type === 'batch') gpuLosses.push(e.loss) })
    if (gpuLosses.length !== 6 || gpuLosses.length !== cpuLosses.length) failures.push(`fitStream: ${gpuLosses.length} batches on the GPU, ${cpuLosses.length} on the CPU`)
    gpuLosses.forEach((l, i) => { if (!close(l, cpuLosses[i]!, 1e-4, 1e-4)) failures.push(`fitStream: batch ${i} loss ${l} on the GPU, ${cpuLosses[i]} on the CPU`) })
    await sameParams('fitStream', gpuEnd, cpuEnd)
  } catch (e) {
    failures.push(`fitStream on the GPU: threw ${String(e)} ${(e as Error).stack}`)
  }

  // jit over GPU inputs replays its program primitive by primitive on the device
  const jitted = Ad.jit((a: T.Tensor, b: T.Tensor) => T.sum(T.mul(T.tanh(a), b), 1))
  await agree('jit of a function', (a, b) => jitted(a, b), [rand([4, 6]), rand([6])], TRANSCENDENTAL, true)
  await agree('jit of a gradient', (a, b) => Ad.jit(Ad.grad((p: T.Tensor, q: T.Tensor) => T.sum(T.square(T.matmul(p, q)))))(a, b) as T.Tensor, [rand([3, 4]), rand([4, 2])], MATMUL, true)
  // jit with GPU inputs runs each fused elementwise group as one generated kernel: against the same
  // operations one kernel each on the GPU (stated: |Δ| ≤ 1e-6 + 1e-6·|x|, room for a fused
  // multiply-add the compiler may form across what were two kernels) and against the CPU
  const FUSED: Tol = { atol: 1e-6, rtol: 1e-6 }
  const fusedCases: Array<[string, (...xs: T.Tensor[]) => T.Tensor, number[][]]> = [
    ['a chain with broadcasts', (a, b, c) => T.mul(T.tanh(T.add(T.mul(a, b), c)), T.sigmoid(T.sub(a, c))), [[5, 6], [6], [5, 1]]],
    ['where, comparisons and a constant', (a, b) => T.where(T.greater(a, b), T.exp(T.mul(a, 0.5)), T.maximum(T.square(b), T.neg(a))), [[300], [300]]],
    ['maps with NaN and division', (a, b) => T.add(T.div(T.log(T.abs(a)), T.add(b, 3)), T.relu(T.rsqrt(T.abs(b)))), [[4, 3, 7], [3, 7]]],
    ['a scalar input', (a, s) => T.sub(T.mul(T.softplus(a), s), T.erf(a)), [[2, 9], []]],
  ]
  for (const [name, f, shapes] of fusedCases) {
    checked.push(`jit fused on the GPU: ${name}`)
    try {
      const xs = shapes.map((sh) => rand(sh, -3, 3))
      const gs = xs.map(T.toGpu)
      const jf = Ad.jit(f)
      const before = fusedGpuRuns()
      const fused = jf(...gs)
      if (fusedGpuRuns() === before) failures.push(`jit fused on the GPU: ${name}: no group ran as one kernel`)
      await compare(`jit fused on the GPU: ${name}, against op by op on the GPU`, await T.toCpu(f(...gs)), fused, FUSED)
      await compare(`jit fused on the GPU: ${name}, against the CPU`, f(...xs), fused, TRANSCENDENTAL)
    } catch (e) {
      failures.push(`jit fused on the GPU: ${name}: threw ${String(e)}`)
    }
  }
  // a jitted training gradient: its fused groups (relu's derivative, the update's maps) on the GPU
  checked.push('jit fused on the GPU: an MLP gradient')
  try {
    const lossOf = (p: Tree.Tree, xb: T.Tensor) => Loss.softmaxCrossEntropy(Net.forward(net, { params: p, state: [] }, xb).y, labels)
    const gp = Tree.map(params, T.toGpu)
    const before = fusedGpuRuns()
    const jg = Ad.jit(Ad.grad(lossOf))(gp, T.toGpu(x))
    if (fusedGpuRuns() === before) failures.push('jit fused on the GPU: an MLP gradient: no group ran as one kernel')
    const og = Ad.grad(lossOf)(gp, T.toGpu(x))
    const js = Tree.leaves(jg).map((l) => l.value as T.Tensor)
    const os = Tree.leaves(og).map((l) => l.value as T.Tensor)
    for (let i = 0; i < os.length; i++) await compare(`jit fused on the GPU: MLP gradient leaf ${i}`, await T.toCpu(os[i]!), js[i]!, { atol: 1e-6, rtol: 1e-5 })
  } catch (e) {
    failures.push(`jit fused on the GPU: an MLP gradient: threw ${String(e)}`)
  }
  // the bytes a tape keeps count GPU tensors by their storage
  checked.push('retainedBytes')
  try {
    const kept = retainedBytes((w: T.Tensor) => T.sum(T.exp(w)), T.toGpu(rand([256])))
    const keptCpu = retainedBytes((w: T.Tensor) => T.sum(T.exp(w)), rand([256]))
    if (kept !== keptCpu) failures.push(`retainedBytes: ${kept} on the GPU, ${keptCpu} on the CPU`)
  } catch (e) {
    failures.push(`retainedBytes: threw ${String(e)}`)
  }

  // refusals
  const g = T.toGpu(T.tensor([1, 2, 3]))
  refused('item of a GPU tensor', () => T.item(T.sum(g)), 'TRACED_READ', /await Tensor\.data/)
  refused('toArray of a GPU tensor', () => T.toArray(g), 'TRACED_READ', /await Tensor\.data/)
  refused('sum of int32 device indices', () => T.sum(T.argmax(T.reshape(g, [3, 1]), 1)), 'DTYPE_MISMATCH', /sum .*Tensor\.cast\(x, 'float32'\)/)
  // a cast to int32 checks every value on the host first
  refused('cast of a device tensor to int32', () => T.cast(g, 'int32'), 'TRACED_READ', /^cast: .*await Tensor\.toCpu/)
  refused('float64 to the GPU', () => T.toGpu(T.tensor([1], 'float64')), 'DTYPE_MISMATCH', /float32 only/)
  checked.push('toCpu')
  const back = await T.toCpu(T.mul(g, 2))
  if (T.isOnGpu(back) || T.toArray(back).join() !== '2,4,6') failures.push(`toCpu: ${String(back)}`)
  if (!/on webgpu/.test(String(g))) failures.push(`String of a GPU tensor: ${String(g)}`)

  await badInput()

  return { status, checked: checked.length, failures, submitsPerStep, fitSubmitsPerStep }
}

/**
 * Bad input, last (it loses the device): tensors past the device's buffer limits, tensors of two
 * devices in one op, and tensors of a lost device (device.destroy() simulates the loss), each
 * refused with a coded error naming the op; then a new device works.
 */
const badInput = async (): Promise<void> => {
  const g0 = webGpuBackend('page')
  const limits = g0.device.limits
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize)
  const tooMany = maxBytes / 4 + 1
  refused('toGpu of a tensor past maxStorageBufferBindingSize', () => T.toGpu(T.zeros([tooMany])), 'RESOURCE_LIMIT', new RegExp(`toGpu.*${tooMany} elements.*maxStorageBufferBindingSize`))
  const one = T.toGpu(T.ones([1]))
  refused('broadcastTo past the buffer limit', () => T.broadcastTo(one, [tooMany]), 'RESOURCE_LIMIT', /broadcastTo.*maxBufferSize/)
  const side = Math.ceil(Math.sqrt(tooMany))
  refused('matmul whose output is past the buffer limit', () => T.matmul(T.toGpu(T.ones([side, 1])), T.toGpu(T.ones([1, side]))), 'RESOURCE_LIMIT', /matmul.*split the batch/)
  refused('the refusal names the limit', () => T.add(T.toGpu(T.ones([side, 1])), T.toGpu(T.ones([1, side]))), 'RESOURCE_LIMIT', new RegExp(`exceeds the ${maxBytes} bytes`))

  // two live devices: a tensor made on another device than the installed one
  const kept = T.toGpu(T.tensor([1, 2, 3]))
  try {
    const adapter = await (navigator as unknown as { gpu: Gpu }).gpu.requestAdapter()
    const other = new Backend(await adapter!.requestDevice())
    const foreign = fromDevice(other.upload(Float32Array.of(4, 5, 6), 'page'), [3])
    refused('an op on tensors of two live devices', () => T.add(kept, foreign), 'INVALID_ARGUMENT', /add.*two different WebGPU devices/)
    other.device.destroy()
  } catch (e) {
    failures.push(`two live devices: threw ${String(e)}`)
  }

  // the installed device lost: its tensors refused by every op and read, and toGpu until a new device
  const device = g0.device
  device.destroy()
  await device.lost
  refused('an op on a tensor of a lost device', () => T.add(kept, kept), 'NO_DEVICE', /add.*lost.*useWebGpu/)
  refused('an op on a traced tensor of a lost device', () => Ad.grad((x: T.Tensor) => T.sum(T.exp(x)))(kept), 'NO_DEVICE', /exp.*lost/)
  refused('toGpu after the loss', () => T.toGpu(T.tensor([1])), 'NO_DEVICE', /toGpu.*lost.*useWebGpu\(\) again/)
  await refusedAsync('data of a tensor of a lost device', () => T.data(kept), 'NO_DEVICE', 'data', /lost/)
  await refusedAsync('toCpu of a tensor of a lost device', () => T.toCpu(kept), 'NO_DEVICE', 'toCpu', /lost/)
  checked.push('a new device after the loss')
  try {
    await useWebGpu()
    if (webGpuBackend('page') === g0) failures.push('useWebGpu after the loss kept the lost device')
    const fresh = T.toGpu(T.tensor([10, 20, 30]))
    refused('an op mixing a lost device’s tensor with a new device’s', () => T.mul(kept, fresh), 'NO_DEVICE', /mul.*lost/)
    refused('the same, the new device’s tensor first', () => T.mul(fresh, kept), 'NO_DEVICE', /mul.*lost/)
    await compare('add on the new device', T.add(T.tensor([10, 20, 30]), T.tensor([1, 2, 3])), T.add(fresh, T.tensor([1, 2, 3])), EXACT)
  } catch (e) {
    failures.push(`a new device after the loss: threw ${String(e)}`)
  }
}

/**
 * Differentiation. Functions written with the ordinary `Tensor` operations are differentiated
 * by two interpreters over one table of primitive rules: dual numbers (forward mode) and a
 * tape recorded inside each call (reverse mode). The transformations compose: `hvp` is `jvp`
 * of `grad`, `hessian` is `jacfwd` of `jacrev`, and derivatives nest without confusing their
 * perturbations.
 *
 * ```ts
 * import { Ad, Tensor as T } from 'puregrad'
 * const loss = (w: T.Tensor) => T.sum(T.square(T.sub(T.matmul(x, w), y)))
 * const [value, g] = Ad.valueAndGrad(loss)(w)
 * ```
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export { stopGradient } from '../tensor/elementwise.js'
export * from './transforms.js'
export * from './custom.js'
export { type Axes, type Batched, type VmapOptions, vmap } from './vmap.js'
export { type JitOptions, type Jitted, type MakeProgramOptions, jit, makeProgram } from './jit/index.js'
export { type FunctionOnnxOptions, toOnnx } from './jit/onnx.js'
export { type ScanOptions, scan } from './scan.js'
export { checkpoint } from './checkpoint.js'
export * from './check.js'
export { type GuardMode, type NumericIssue, showIssue, issueOf, checkFinite, guarded } from './guard.js'

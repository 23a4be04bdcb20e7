/**
 * puregrad/testing: the property-testing kit puregrad checks itself with, for your layers,
 * optimizers and functions. It needs fast-check (an optional peer dependency: `npm i -D
 * fast-check`) and re-exports it as `fc`.
 *
 * - arbitraries: `shape`, `tensor`, `tensorOfShape`, `tree`, `treeLike`, `params`,
 *   `paramsAndGrads`, `quadratic`, `network` (holding a layer of your kind with `including`),
 *   `optimizer` (a random configuration of a built-in optimizer), `program` (random programs of
 *   primitives, to check a transformation or interpreter against eager evaluation) and
 *   `programInput`;
 * - laws for a layer: `gradCheckLaw`, `shapeMatchesApply`, `encodeDecodeRoundTrip`, and
 *   `onnxEqualsApply` (its ONNX export run in onnxruntime-web computes what `apply` does; needs
 *   the optional peer onnxruntime-web; async: `await check(law)`);
 * - laws for a function: `forwardEqualsReverse`, `gradMatchesFiniteDifferences`;
 * - laws for an optimizer: `keepsDtype`, `chainIdentity`, `descendsOnQuadratic`;
 * - `check(law)` runs a law and throws a `LAW_FAILED` error with the counterexample, in any
 *   test runner; `law.property` is the fast-check property itself. The `…At` functions state
 *   one case as an `Equiv` (`lhs` ≡ `rhs`), decided by a comparator (`exact`, `allclose`,
 *   `treeExact`, `deepEqual`…).
 *
 * ```ts
 * import { it } from 'vitest'
 * import { check, gradCheckLaw, shapeMatchesApply } from 'puregrad/testing'
 * it('Swish differentiates right', () => check(gradCheckLaw(swish(), { inShape: [4] })))
 * ```
 *
 * @since 0.1.0
 * @module puregrad/testing
 */
import fc from 'fast-check'

/**
 * fast-check (the optional peer dependency), the instance the arbitraries and laws are built
 * with; its own documentation is at https://fast-check.dev. @hidden
 */
export { fc }
export * from './Equiv.js'
export { type AsyncLaw, type CheckOptions, type Law, check } from './Law.js'
export * from './tensor.js'
export * from './tree.js'
export * from './network.js'
export * from './optimizer.js'
export * from './probe.js'
export * from './layer.js'
export * from './ad.js'
export * from './optim.js'
export * from './program.js'
export * from './onnx.js'

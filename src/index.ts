/**
 * puregrad: a functional, immutable neural-network DSL.
 *
 * Namespaces, one per concept:
 * - {@link Tensor}: immutable n-dimensional arrays and pure operations;
 * - {@link Rng}: explicit, splittable random keys;
 * - {@link Tree}: parameter trees (nested records and arrays of tensors);
 * - {@link Ad}: differentiation (grad, vjp, jvp, jacobians, Hessians, custom rules, gradient checking);
 * - {@link Net}: networks as data (layers, combinators) and their interpreters (init, apply, shape, summary, encode/decode, edit);
 * - {@link Loss}: losses and weight penalties;
 * - {@link Data}: data sets, keyed splits and batches, normalisation, PCA, augmentation;
 * - {@link Train}: the pure training step, fit as a fold, metrics, early stopping, diagnosis, search;
 * - {@link Optim}: optimizers as pure state transitions (`{ init, update }`), schedules, L-BFGS;
 * - {@link Study}: hyperparameter studies (ask and tell, samplers, pruners, storage that resumes).
 *
 * @since 0.1.0
 * @module puregrad
 */
export * as Tensor from './tensor/index.js'
export * as Rng from './rng/index.js'
export * as Tree from './tree/index.js'
export * as Ad from './ad/index.js'
export * as Net from './net/index.js'
export * as Loss from './loss/index.js'
export * as Data from './data/index.js'
export * as Train from './train/index.js'
export * as Optim from './optim/index.js'
export * as Study from './study/index.js'
export { PuregradError, codes as errorCodes, type ErrorCode } from './core/errors.js'
export {
  type SimdBuild,
  type WasmOptions,
  type WasmStatus,
  relaxedSimdSupported,
  useJsKernels,
  useWasmKernels,
  useWasmKernelsSync,
  wasmSupported,
} from './kernels/wasm/index.js'
export { type WebGpuOptions, type WebGpuStatus, useWebGpu } from './prims/webgpu.js'

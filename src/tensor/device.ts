/** Moving tensors to and from the GPU, and the async read that works wherever a tensor lives. */
import { fail } from '../core/errors.js'
import { type Tensor, checkReadable, checkTensor, deviceOf, fromBuffer, fromDevice, readOf } from '../core/Tensor.js'
import { concrete } from '../prims/bind.js'
import { GpuStorage } from '../kernels/webgpu/backend.js'
import { webGpuBackend } from '../prims/webgpu.js'

/**
 * A float32 tensor with the same values, held by the WebGPU device set up by `useWebGpu`
 * (the tensor itself when it is there already). Operations with an input on the GPU run there and
 * return GPU tensors; read them with `await Tensor.data` or `await Tensor.toCpu`. Refused
 * (NO_DEVICE) before `useWebGpu`, and (DTYPE_MISMATCH) for float64 and int32 tensors: the GPU
 * computes in float32 only, and indices and labels stay on the CPU (operations upload them).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * // no useWebGpu() here (Node has no WebGPU): refused with the call to make first
 * assert.throws(() => T.toGpu(T.tensor([1, 2])), { code: 'NO_DEVICE' })
 * @category gpu
 */
export const toGpu = (t: Tensor): Tensor => {
  checkTensor('toGpu', t)
  if (deviceOf(t) !== undefined) return t
  const g = webGpuBackend('toGpu')
  if (t.dtype !== 'float32') fail('DTYPE_MISMATCH', 'toGpu', `WebGPU tensors are float32 only; got a ${t.dtype} tensor. Cast it first (Tensor.cast(x, 'float32')), or keep ${t.dtype === 'int32' ? 'indices and labels on the CPU: operations upload them' : 'float64 computations on the CPU'}.`)
  return fromDevice(g.upload(readOf('toGpu', checkReadable('toGpu', concrete(t))) as Float32Array, 'toGpu'), t.shape)
}

/**
 * The values of `t` as a typed array (a copy), wherever `t` lives: downloaded from the GPU once
 * the work queued before has run, or copied from the host at once. The async counterpart of
 * `toTypedArray`, and the way to read a GPU tensor.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.deepStrictEqual(await T.data(T.tensor([[1, 2], [3, 4]])), Float32Array.of(1, 2, 3, 4))
 * @category gpu
 */
export const data = (t: Tensor): Promise<Float32Array | Float64Array | Int32Array> => read('data', t)

/** The values of `t` for the read `op`: from the device that holds them (refused, NO_DEVICE, once it is lost). */
const read = async (op: string, t: Tensor): Promise<Float32Array | Float64Array | Int32Array> => {
  const c = concrete(checkReadable(op, checkTensor(op, t)))
  const d = deviceOf(c)
  if (d === undefined) return readOf(op, c).slice()
  if (!(d instanceof GpuStorage)) return fail('INVALID_ARGUMENT', op, `the tensor lives on ${d.device}, which this build cannot read.`)
  return d.owner.download(d, op)
}

/**
 * A host (CPU) tensor with the values of `t`: downloaded when `t` lives on the GPU, `t` itself
 * otherwise. Every synchronous read and every operation works on the result.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([1, 2])
 * assert.strictEqual(await T.toCpu(x), x)
 * @category gpu
 */
export const toCpu = async (t: Tensor): Promise<Tensor> => {
  checkTensor('toCpu', t)
  if (deviceOf(concrete(t)) === undefined) return t
  return fromBuffer(await read('toCpu', t), t.shape)
}

/**
 * Whether `t`'s values live on the GPU.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.strictEqual(T.isOnGpu(T.tensor([1, 2])), false)
 * @category gpu
 */
export const isOnGpu = (t: Tensor): boolean => deviceOf(checkTensor('isOnGpu', t)) !== undefined

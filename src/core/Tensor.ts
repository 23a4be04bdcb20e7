/**
 * The immutable tensor: a shape, a dtype and a typed array that nothing outside the library can
 * reach for writing.
 *
 * The buffer lives in an ECMAScript private field. Public reads (`toArray`, `toNested`, `item`)
 * return copies, and every operation allocates its result, so a tensor never changes after it
 * is made: no `tidy`, no `dispose`, no defensive copies in user code. The instance itself is
 * frozen, so `Object.freeze`-style deep freezing of trees of tensors works too.
 *
 * A float32 tensor may instead keep its elements on a device (`DeviceStorage`: a WebGPU buffer,
 * see `Tensor.toGpu`); its host buffer is then empty, and every synchronous read refuses it.
 *
 * @since 0.1.0
 */
import { type Buffer, type DType, bytesPer, dtypeOf } from './dtype.js'
import { PuregradError, describe, error, fail } from './errors.js'
import type { Shape } from './shape.js'

/**
 * The module-private token the constructor demands: only this module holds it, so `new Tensor(…)`
 * from anywhere else (a cast away from the private constructor, a subclass) is refused.
 */
const TOKEN: unique symbol = Symbol('puregrad.Tensor')

let make: (data: Buffer, shape: Shape, box: TraceBox | undefined, device: DeviceStorage | undefined) => Tensor
let peek: (t: Tensor) => Buffer
let peekDevice: (t: Tensor) => DeviceStorage | undefined
let peekBox: (t: Tensor) => TraceBox | undefined
let brand: (u: object) => boolean
let retire: (t: Tensor, stub: Buffer) => void

/**
 * What a traced tensor carries while a differentiation interpreter runs: the interpreter's
 * level and the value underneath. Concrete tensors carry none. @internal
 */
export interface TraceBox {
  readonly level: { readonly id: number }
  readonly primal: Tensor
  /**
   * Present when the traced value's elements are not its values (one example of a batch under
   * `vmap`): throws the error that explains why they cannot be read, naming `op`.
   */
  readonly refuseRead?: (op: string) => never
}

/**
 * The elements of a tensor held in a device's memory (a WebGPU buffer) instead of a typed array.
 * float32 tensors live on a device, and the int32 results of operations there (argmax's
 * indices). The object is shared by every tensor that views the same elements (a reshape, a
 * traced value); the device frees its memory once none is left.
 * @internal
 */
export interface DeviceStorage {
  /** The device's name, for messages: `'webgpu'`. */
  readonly device: string
  /** Number of elements (4 bytes each). */
  readonly size: number
  /** Element type of the tensors viewing it. */
  readonly dtype: 'float32' | 'int32'
}

/** The host buffers of tensors whose elements live on a device: empty, so no kernel can read them by mistake. */
const ON_DEVICE = { float32: new Float32Array(0), int32: new Int32Array(0) } as const

/**
 * An immutable n-dimensional array.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * const x = T.tensor([[1, 2, 3], [4, 5, 6]])
 * assert.deepStrictEqual([x.shape, x.rank, x.size, x.dtype], [[2, 3], 2, 6, 'float32'])
 * assert.strictEqual(String(x), 'Tensor<float32>[2, 3] [1, 2, 3, 4, 5, 6]')
 * assert.deepStrictEqual(x.toJSON(), { dtype: 'float32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] })
 * assert.ok(Object.isFrozen(x))
 * @category model
 */
export class Tensor {
  /** written once more only by `donate`, which replaces it by an empty stub */
  #data: Buffer
  readonly #box: TraceBox | undefined
  readonly #device: DeviceStorage | undefined
  /** Sizes of the axes, outermost first; `[]` for a scalar. */
  readonly shape: Shape
  /** Element type. */
  readonly dtype: DType
  /** Number of elements. */
  readonly size: number

  /**
   * Not for users: build tensors with `tensor`, `fromArray`, `zeros`, `ones`, … A call from
   * outside the library is refused, so no tensor wraps a buffer its caller still holds.
   */
  private constructor(token: typeof TOKEN, data: Buffer, shape: Shape, box: TraceBox | undefined, device: DeviceStorage | undefined) {
    if (token !== TOKEN) {
      fail(
        'INVALID_ARGUMENT',
        'Tensor',
        'tensors cannot be constructed with new: build them with Tensor.tensor, Tensor.fromArray, Tensor.zeros or another function of the Tensor namespace (each copies its input, so the tensor owns its buffer).',
      )
    }
    let n = 1
    for (let i = 0; i < shape.length; i++) n *= shape[i]!
    const size = device === undefined ? data.length : device.size
    if (n !== size) throw new Error(`internal: buffer of ${size} for shape [${shape.join(', ')}]`)
    this.#data = data
    this.#box = box
    this.#device = device
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice())
    this.dtype = dtypeOf(data)
    this.size = size
    Object.freeze(this)
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length
  }

  /** A short description: `Tensor<float32>[2, 3] [1, 2, 3, …]` (no values for one example of a batch under `vmap`). */
  toString(): string {
    if (unreadable(this)) return `Traced<${this.dtype}>[${this.shape.join(', ')}] (one example of a batch under vmap)`
    if (isAbstract(this)) return `Traced<${this.dtype}>[${this.shape.join(', ')}] (traced by jit: values known when the program runs)`
    if (this.#device !== undefined) return `${this.#box === undefined ? 'Tensor' : 'Traced'}<${this.dtype}>[${this.shape.join(', ')}] (on ${this.#device.device}: read with await Tensor.data)`
    const d = this.#data
    if (d.length !== this.size && this.#device === undefined) return `Tensor<${this.dtype}>[${this.shape.join(', ')}] (donated to ${doneeOf(d)})`
    const head = Array.from(d.subarray(0, 6), (v) => String(v)).join(', ')
    return `${this.#box === undefined ? 'Tensor' : 'Traced'}<${this.dtype}>[${this.shape.join(', ')}] [${head}${d.length > 6 ? ', …' : ''}]`
  }

  /** JSON form: `{ dtype, shape, data }` with `data` a flat array of numbers (NaN/±Inf as strings). */
  toJSON(): { dtype: DType; shape: number[]; data: Array<number | string> } {
    checkReadable('toJSON', this)
    return {
      dtype: this.dtype,
      shape: [...this.shape],
      data: Array.from(readOf('toJSON', this), (v) => (Number.isFinite(v) ? v : String(v))),
    }
  }

  static {
    make = (data, shape, box, device) => new Tensor(TOKEN, data, shape, box, device)
    peek = (t) => t.#data
    peekDevice = (t) => t.#device
    peekBox = (t) => t.#box
    brand = (u) => #data in u
    retire = (t, stub) => {
      t.#data = stub
    }
  }
}

/**
 * Wraps a buffer the caller has just allocated and will never touch again. @internal
 */
export const fromBuffer = (data: Buffer, shape: Shape): Tensor => make(data, shape, undefined, undefined)

/** A tensor of `shape` (and of the storage's dtype) whose elements are held by a device. @internal */
export const fromDevice = (storage: DeviceStorage, shape: Shape): Tensor => make(ON_DEVICE[storage.dtype], shape, undefined, storage)

/** Where a tensor's elements live on a device; undefined for the (usual) host tensor. @internal */
export const deviceOf = (t: Tensor): DeviceStorage | undefined => peekDevice(t)

/** The refusal of a synchronous read of a tensor held by a device. */
const deviceRead = (op: string, t: Tensor, device: DeviceStorage): never =>
  fail(
    'TRACED_READ',
    op,
    `the ${t.dtype} tensor of shape [${t.shape.join(', ')}] lives on ${device.device}, so its contents cannot be read synchronously${op === 'read' ? ' by an operation that runs on the CPU' : ''}. ` +
      'Use the async read: await Tensor.data(x) for the values, or await Tensor.toCpu(x) for a CPU tensor to pass on.',
  )

/**
 * The tensor's buffer, for kernels only: never write to it, never hand it out. A traced
 * tensor shares the buffer of the concrete value underneath it. A tensor held by a device has
 * none to give: refused (TRACED_READ) with the async read to use; `op` names the reader. @internal
 */
export const dataOf = (t: Tensor, op = 'read'): Buffer => {
  const d = peek(t)
  if (d.length === t.size) return d
  const device = peekDevice(t)
  return device === undefined ? donatedRead(op, t) : deviceRead(op, t, device)
}

/** The trace box of a traced tensor, undefined for a concrete one. @internal */
export const boxOf = (t: Tensor): TraceBox | undefined => peekBox(t)

/** Whether some trace of `t` forbids reading its elements (see `TraceBox.refuseRead`). */
const unreadable = (t: Tensor): TraceBox | undefined => {
  for (let b = peekBox(t); b !== undefined; b = peekBox(b.primal)) if (b.refuseRead !== undefined) return b
  return undefined
}

/**
 * `t` when its elements are its values; otherwise the error of the trace that forbids reading
 * them (a batched value inside `vmap`, or one leaked out of it). For the public reads. @internal
 */
export const checkReadable = (op: string, t: Tensor): Tensor => {
  const b = unreadable(t)
  return b === undefined ? t : b.refuseRead!(op)
}

/** A traced tensor standing for `box.primal` at `box.level`. @internal */
export const traced = <B extends TraceBox>(box: B): Tensor => {
  const p = box.primal
  const d = peek(p)
  const device = peekDevice(p)
  if (d.length !== p.size && device === undefined) donatedRead('read', p)
  sole.delete(p)
  return make(d, p.shape, box, device)
}

/**
 * A traced tensor whose shape differs from its box's primal (one example of a batch under
 * `vmap`), over `data`, a buffer of that shape's size taken from the primal's. @internal
 */
export const tracedAs = <B extends TraceBox>(box: B, data: Buffer, shape: Shape): Tensor => {
  sole.delete(box.primal)
  return make(data, shape, box, undefined)
}

/**
 * A tensor of `shape` (of `x`'s size) over `x`'s buffer (a reshape): `x`'s buffer is no longer
 * its alone, so it can never be donated. @internal
 */
export const viewOf = (x: Tensor, shape: Shape): Tensor => {
  sole.delete(x)
  return make(dataOf(x), shape, undefined, undefined)
}

/**
 * Tensors whose buffer nothing else holds or views: results a compiled program just made
 * (`markSole`). Every view of one (a reshape, a traced value over it) takes it out, so `donate`
 * reuses a buffer only where no other tensor can ever see it change.
 */
const sole = new WeakSet<Tensor>()

/** Records that `t`'s buffer is its alone (a fresh result of a compiled program, nothing viewing it). @internal */
export const markSole = (t: Tensor): void => {
  sole.add(t)
}

/** Stubs standing for donated buffers, by the name of the jitted function each went to. */
const stubs = new WeakMap<Buffer, string>()

/** The jitted function a retired buffer went to. */
const doneeOf = (stub: Buffer): string => stubs.get(stub) ?? 'a jitted function'

/** The refusals `donatedRead` raised under the kernels' default op name, which the caller renames. */
const kernelReads = new WeakSet<PuregradError>()

/** Whether `e` is a kernel's refusal (op 'read') of a donated tensor, to be renamed for the primitive that read it. @internal */
export const isDonatedRead = (e: unknown): e is PuregradError => e instanceof PuregradError && kernelReads.has(e)

/** The refusal of any use of a donated tensor. */
const donatedRead = (op: string, t: Tensor): never => {
  const e = error(
    'INVALID_ARGUMENT',
    op,
    `the ${t.dtype} tensor of shape [${t.shape.join(', ')}] was donated to the jitted function ${doneeOf(peek(t))}, which took its buffer for its own results, so it can no longer be used. ` +
      "To keep using it, leave its argument's position out of that function's donate option, or donate a copy: Tensor.fromArray(Tensor.toTypedArray(x), x.shape).",
  )
  if (op === 'read') kernelReads.add(e)
  throw e
}

/** The empty buffers that stand for the buffers donated to one jitted function (see `donate`). @internal */
export interface Donee {
  readonly name: string
  /** by dtype: empty (for tensors of some elements), and of one element (for tensors of none), so a donated tensor's buffer length never equals its size */
  readonly stubs: { readonly [D in DType]: readonly [Buffer, Buffer] }
}

/** The stubs of donations to the jitted function `name`. @internal */
export const donee = (name: string): Donee => {
  const pair = <B extends Buffer>(make: (n: number) => B): readonly [B, B] => {
    const p = [make(0), make(1)] as const
    for (const b of p) stubs.set(b, name)
    return p
  }
  return { name, stubs: { float32: pair((n) => new Float32Array(n)), float64: pair((n) => new Float64Array(n)), int32: pair((n) => new Int32Array(n)) } }
}

/** Whether `t` holds its buffer alone (see `markSole`): donating it may hand the buffer on. @internal */
export const isSole = (t: Tensor): boolean => sole.has(t)

/**
 * Consumes `t` (a donation to the jitted function `to`): every later use of it is refused
 * (INVALID_ARGUMENT, naming the function). Its buffer is untouched: the caller, holding it,
 * writes it only when `t` was its sole holder (`isSole`, asked first). @internal
 */
export const donate = (t: Tensor, to: Donee): void => {
  sole.delete(t)
  retire(t, to.stubs[t.dtype][t.size === 0 ? 1 : 0])
}

/** Whether `t` was donated: a comparison of its buffer's length with its size. @internal */
export const isDonated = (t: Tensor): boolean => peek(t).length !== t.size && peekDevice(t) === undefined

/** The refusal of `t`, a donated tensor, by `op`. @internal */
export const refuseDonated = (op: string, t: Tensor): never => donatedRead(op, t)

/** Backing stores of abstract tensors (see `abstractTensor`). */
const abstractStores = new WeakSet<ArrayBufferLike>()
let abstractStore = new ArrayBuffer(0)

/**
 * A tensor that stands for a value known only by its shape and dtype, while `jit` traces: its
 * buffer is a view of a shared zero store, so making one costs no allocation of its size.
 * Kernels never see one (the tracer intercepts every primitive), and public reads of one are
 * refused (`readOf`). @internal
 */
export const abstractTensor = (shape: Shape, dtype: DType): Tensor => {
  let n = 1
  for (let i = 0; i < shape.length; i++) n *= shape[i]!
  const bytes = n * bytesPer[dtype]
  if (bytes > abstractStore.byteLength) {
    abstractStore = new ArrayBuffer(Math.max(bytes, 2 * abstractStore.byteLength, 1024))
    abstractStores.add(abstractStore)
  }
  const data = dtype === 'float32' ? new Float32Array(abstractStore, 0, n) : dtype === 'float64' ? new Float64Array(abstractStore, 0, n) : new Int32Array(abstractStore, 0, n)
  return make(data, shape, undefined, undefined)
}

/** Whether `t`'s contents are unknown (an abstract tensor, or a value traced by jit). @internal */
export const isAbstract = (t: Tensor): boolean => abstractStores.has(peek(t).buffer)

/**
 * The buffer of `t` for a read of its contents by `op`: refused (TRACED_READ) when `t` is known
 * only by its shape, because `jit` is tracing the function that reads it. @internal
 */
export const readOf = (op: string, t: Tensor): Buffer => {
  const device = peekDevice(t)
  if (device !== undefined) return deviceRead(op, t, device)
  const d = peek(t)
  if (d.length !== t.size) return donatedRead(op, t)
  if (abstractStores.has(d.buffer)) {
    fail(
      'TRACED_READ',
      op,
      `the contents of a ${t.dtype} value of shape [${t.shape.join(', ')}] were read while jit traced the function, when only its shape and dtype are known. ` +
        'Keep reads (item, toArray, if/else on values) outside the jitted function and return the tensor instead; select between values with Tensor.where; ' +
        'or pass what the decision depends on as a number argument, which jit treats as static (one trace per value).',
    )
  }
  return d
}

/**
 * True when a value is a `Tensor` (a type guard).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Tensor as T } from 'puregrad'
 * assert.strictEqual(T.isTensor(T.tensor([1, 2])), true)
 * assert.strictEqual(T.isTensor([1, 2]), false)
 * @category guards
 */
export const isTensor = (u: unknown): u is Tensor => typeof u === 'object' && u !== null && brand(u)

/**
 * `u` when it is a tensor; otherwise INVALID_ARGUMENT naming the operation and the argument,
 * with how to build a tensor. One brand check: cheap enough for every operation. @internal
 */
export const checkTensor = (op: string, u: unknown, name = 'the input'): Tensor => {
  if (isTensor(u)) return u
  throw error('INVALID_ARGUMENT', op, `${name} is ${describe(u)}, not a Tensor; pass a Tensor (build one with Tensor.tensor(…), e.g. Tensor.tensor([[1, 2], [3, 4]])).`)
}

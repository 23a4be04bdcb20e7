// Device tensors on the CPU side, without a GPU: a tensor whose storage is a device's refuses
// every synchronous read with the async one to use, `bind` hands its primitives to the
// installed device evaluator (and to nothing else), and useWebGpu refuses where WebGPU is missing.
import { afterEach, describe, expect, it } from 'vitest'
import { Tensor as T, useWebGpu } from '../../src/index.js'
import { type DeviceStorage, dataOf, fromDevice } from '../../src/core/Tensor.js'
import { type DeviceEvaluator, useDeviceEvaluator } from '../../src/prims/bind.js'
import { caught } from '../util.js'

const storage = (size: number): DeviceStorage => ({ device: 'test-device', size, dtype: 'float32' })

describe('tensors held by a device', () => {
  afterEach(() => void useDeviceEvaluator(undefined))

  it('refuse every synchronous read, naming the async one', () => {
    const x = fromDevice(storage(3), [3])
    expect([x.shape, x.dtype, x.size]).toEqual([[3], 'float32', 3])
    for (const [op, read] of [['toArray', T.toArray], ['toNested', T.toNested], ['toTypedArray', T.toTypedArray], ['item', () => T.item(fromDevice(storage(1), []))], ['toJSON', (t: T.Tensor) => t.toJSON()]] as const) {
      const e = caught(() => read(x))
      expect(e.code).toBe('TRACED_READ')
      expect(e.op).toBe(op)
      expect(e.detail).toMatch(/await Tensor\.data\(x\)/)
    }
    expect(caught(() => dataOf(x)).detail).toMatch(/runs on the CPU/)
    expect(String(x)).toBe('Tensor<float32>[3] (on test-device: read with await Tensor.data)')
    expect(T.isOnGpu(x)).toBe(true)
  })

  it('are refused by the CPU evaluation when no device evaluator is installed', () => {
    const e = caught(() => T.add(fromDevice(storage(2), [2]), T.tensor([1, 2])))
    expect(e.code).toBe('TRACED_READ')
  })

  it('send their primitives to the device evaluator, host operands included', () => {
    const seen: string[] = []
    const evaluate: DeviceEvaluator = (prim, inputs) => {
      seen.push(`${prim}(${inputs.map((t) => (T.isOnGpu(t) ? 'device' : 'host')).join(', ')})`)
      return fromDevice(storage(inputs[0]!.size), inputs[0]!.shape)
    }
    useDeviceEvaluator(evaluate)
    const x = fromDevice(storage(2), [2])
    T.mul(T.add(x, T.tensor([1, 2])), 3)
    // host-only operations never reach it
    T.add(T.tensor([1]), T.tensor([2]))
    expect(seen).toEqual(['add(device, host)', 'mul(device, host)'])
  })

  it('useWebGpu refuses where navigator.gpu or an adapter is missing', async () => {
    await expect(useWebGpu()).rejects.toMatchObject({ code: 'NO_DEVICE', op: 'useWebGpu', detail: expect.stringMatching(/no navigator\.gpu/) })
    const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => null } }, configurable: true })
    try {
      await expect(useWebGpu()).rejects.toMatchObject({ code: 'NO_DEVICE', detail: expect.stringMatching(/found no adapter/) })
    } finally {
      if (had === undefined) delete (globalThis as { navigator?: unknown }).navigator
      else Object.defineProperty(globalThis, 'navigator', had)
    }
  })
})

/**
 * Moving the trees of a run (parameters, optimizer and model state) between the host and the GPU:
 * every float32 tensor goes up (int32 counters stay: operations upload them), everything comes
 * back. Tags and other plain values inside an optimizer state are kept as they are.
 */
import { Tensor as T } from 'puregrad'

export const toDevice = (v: unknown): unknown =>
  T.isTensor(v)
    ? v.dtype === 'float32'
      ? T.toGpu(v)
      : v
    : Array.isArray(v)
      ? v.map(toDevice)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toDevice(x)]))
        : v

export const toHost = async (v: unknown): Promise<unknown> =>
  T.isTensor(v)
    ? T.toCpu(v)
    : Array.isArray(v)
      ? Promise.all(v.map(toHost))
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await toHost(x)] as const)))
        : v

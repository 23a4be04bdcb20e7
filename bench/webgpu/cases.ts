/**
 * The work every library of the WebGPU benchmark does, and the same inputs for each (values from
 * sines, so every library starts from the same numbers): square matmuls, the bench's convolution
 * (batch 32 of 28×28×16 images, 3×3 filters to 32 channels, 'same' padding) forward and with the
 * gradient by both operands, and training steps with Adam (lr 1e-3) of the MLP 784-128-64-10 on
 * batches of 128 and of a small MNIST CNN (conv 3×3 to 16, ReLU, max pool 2, conv 3×3 to 32,
 * ReLU, max pool 2, dense 64, ReLU, dense 10) on batches of 64. `--smoke` shrinks every size (the CNN's
 * batch only) so the page runs in seconds on a software adapter.
 */

export interface Sizes {
  readonly matmul: readonly number[]
  readonly conv: { readonly batch: number; readonly h: number; readonly w: number; readonly c: number; readonly o: number; readonly k: number }
  readonly mlp: { readonly batch: number; readonly layers: readonly number[] }
  readonly cnn: { readonly batch: number }
  /** Timed calls per case (after up to two untimed ones). */
  readonly reps: number
}

export const FULL: Sizes = {
  matmul: [1024, 2048],
  conv: { batch: 32, h: 28, w: 28, c: 16, o: 32, k: 3 },
  mlp: { batch: 128, layers: [784, 128, 64, 10] },
  cnn: { batch: 64 },
  reps: 10,
}

export const SMOKE: Sizes = {
  matmul: [32, 64],
  conv: { batch: 2, h: 8, w: 8, c: 4, o: 8, k: 3 },
  mlp: { batch: 8, layers: [64, 32, 16, 10] },
  cnn: { batch: 1 },
  reps: 1,
}

/** The CNN's layers: [kH, kW, in, out] filters, then the dense layers (28 → 14 → 7 after the pools). */
export const CNN = { conv1: [3, 3, 1, 16], conv2: [3, 3, 16, 32], dense1: [7 * 7 * 32, 64], dense2: [64, 10] } as const

export const LR = 1e-3

/** n values of a scaled sine: the same inputs for every library. */
export const values = (n: number, phase: number, scale: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase) * scale)

/** He-like weights of a layer with `fanIn` inputs. */
export const weights = (n: number, fanIn: number, phase: number): Float32Array => values(n, phase, Math.sqrt(2 / fanIn))

/** Labels 0…9 of a batch, and their one-hot rows. */
export const labels = (batch: number): { readonly ints: Int32Array; readonly oneHot: Float32Array } => {
  const ints = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10)
  const oneHot = new Float32Array(batch * 10)
  ints.forEach((l, i) => (oneHot[i * 10 + l] = 1))
  return { ints, oneHot }
}

/** A library under test: each case is set up once, then called; a call ends when its result is back on the host. */
export interface Lib {
  readonly name: string
  matmul(n: number): Promise<() => Promise<unknown>>
  conv(s: Sizes['conv']): Promise<{ readonly forward: () => Promise<unknown>; readonly gradient: () => Promise<unknown> }>
  /** A training step on one batch, to the loss read back. */
  mlp(s: Sizes['mlp']): Promise<() => Promise<number>>
  cnn(s: Sizes['cnn']): Promise<() => Promise<number>>
}

/**
 * Matrix-product and convolution operands kept in an engine's memory between calls.
 *
 * A tensor's buffer never changes once the tensor exists, so an operand copied into the
 * engine's memory for one product can be read from there by the next product that takes the
 * same buffer, instead of being copied in again: the weights of a network that predicts call
 * after call, or a step's input that the forward pass and the weight gradient both multiply.
 * The kept copies lie above every per-call arena seen so far (which starts at the engine's
 * `base`, so that the memory a call works in stays the same, and warm in the caches); a call
 * whose arena reaches them moves the region higher and forgets them (`clear`).
 *
 * Only whole buffers (not views into another tensor's buffer) of at least `MIN_FLOATS` floats
 * are kept, from their second use on, so that an operand used once costs nothing extra. The
 * region holds at most `CAP_BYTES`; when an operand does not fit, the next call empties it
 * (every copy is then forgotten at once, by a new generation). A buffer that may be written
 * again (a jit intermediate handed back to its program's pool, see `markReusable`) is never
 * kept, and a copy of it is forgotten.
 * @internal
 */
import { REUSABLE_MARK_MIN, isReusable } from '../../core/dtype.js'
import { type Engine, align } from './engine.js'

/** Smallest operand kept (floats): below it, copying costs less than the bookkeeping. */
export const MIN_FLOATS = Math.max(4096, REUSABLE_MARK_MIN)

/** Bytes the kept copies may take. */
export const CAP_BYTES = 32 << 20

interface Copy {
  readonly offset: number
  readonly gen: number
}

export interface Resident {
  /** Called with the end of each call's arena before the call writes to it: moves the kept copies above it if they are in the way, and empties the region if an operand found it full. */
  clear(arenaEnd: number): void
  /** The byte offset of a copy of `b` in memory, made now if this is its second use and it fits; −1 when it is not kept (copy it into the arena). */
  place(b: Float32Array): number
}

/** Slack above an arena that moved the region, so that a slightly larger call does not move it again. */
const SLACK = 1 << 20

export const residentOperands = (e: Engine): Resident => {
  let gen = 0
  let start = e.base
  let top = start
  let full = false
  const copies = new WeakMap<ArrayBufferLike, Copy>()
  const seen = new WeakSet<ArrayBufferLike>()
  return {
    clear: (arenaEnd) => {
      if (arenaEnd > start) start = align(arenaEnd + SLACK)
      else if (!full) return
      full = false
      gen++
      top = start
    },
    place: (b) => {
      const store = b.buffer
      if (b.length < MIN_FLOATS || b.byteOffset !== 0 || b.byteLength !== store.byteLength) return -1
      if (isReusable(b)) {
        copies.delete(store)
        return -1
      }
      const c = copies.get(store)
      if (c !== undefined && c.gen === gen) return c.offset
      if (!seen.has(store)) {
        seen.add(store)
        return -1
      }
      const bytes = b.byteLength
      if (top + bytes - start > CAP_BYTES || !e.reserve(top + bytes)) {
        full = true
        return -1
      }
      const offset = top
      e.f32().set(b, offset >>> 2)
      top = align(offset + bytes)
      copies.set(store, { offset, gen })
      return offset
    },
  }
}

/**
 * Typed arrays ↔ base64 of their little-endian bytes, the same on every engine and host
 * (no Buffer, no btoa, no reliance on the host's byte order). @internal
 */
import { type Buffer, type DType, alloc, bytesPer } from './dtype.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const LOOKUP = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i

const toBytes = (data: Buffer): Uint8Array => {
  const out = new Uint8Array(data.length * (data instanceof Float64Array ? 8 : 4))
  const view = new DataView(out.buffer)
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * 4, data[i]!, true)
    else if (data instanceof Float64Array) view.setFloat64(i * 8, data[i]!, true)
    else view.setInt32(i * 4, data[i]!, true)
  }
  return out
}

export const encodeBase64 = (data: Buffer): string => {
  const b = toBytes(data)
  let s = ''
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0)
    s += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + (i + 1 < b.length ? ALPHABET[(n >> 6) & 63]! : '=') + (i + 2 < b.length ? ALPHABET[n & 63]! : '=')
  }
  return s
}

/**
 * What is wrong with the length of base64 text meant to hold `count` values of `dtype`, or
 * undefined when it is right. Reads only the length and the padding: nothing is allocated.
 */
export const base64LengthProblem = (text: string, dtype: DType, count: number): string | undefined => {
  if (text.length % 4 !== 0) return `base64 text of length ${text.length} is not a multiple of 4`
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const nBytes = (text.length / 4) * 3 - pad
  return nBytes !== count * bytesPer[dtype] ? `holds ${nBytes} bytes where ${count} ${dtype} values need ${count * bytesPer[dtype]}` : undefined
}

/** Decodes base64 into `count` values of `dtype`, or returns a sentence saying what is wrong. */
export const decodeBase64 = (text: string, dtype: DType, count: number): Buffer | string => {
  const problem = base64LengthProblem(text, dtype, count)
  if (problem !== undefined) return problem
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const nBytes = count * bytesPer[dtype]
  const bytes = new Uint8Array(nBytes)
  for (let i = 0, o = 0; i < text.length; i += 4) {
    let n = 0
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j)
      const v = c === 61 && i + j >= text.length - pad ? 0 : c < 128 ? LOOKUP[c]! : -1
      if (v < 0) return `has a character that is not base64 at position ${i + j}`
      n = (n << 6) | v
    }
    if (o < nBytes) bytes[o++] = (n >> 16) & 255
    if (o < nBytes) bytes[o++] = (n >> 8) & 255
    if (o < nBytes) bytes[o++] = n & 255
  }
  const out = alloc(dtype, count)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < count; i++) {
    out[i] = dtype === 'float32' ? view.getFloat32(i * 4, true) : dtype === 'float64' ? view.getFloat64(i * 8, true) : view.getInt32(i * 4, true)
  }
  return out
}

// The pieces of the character-level language model of `--model transformer` and
// examples/char-transformer.ts: text to tokens and back, windows, the unigram baseline, sampling.
import { describe, expect, it } from 'vitest'
import { Net, Rng, Tensor as T } from '../../src/index.js'
import { charCorpus, charModelConfigs, charTransformer, decodeChars, encodeChars, sampleChars, sampleWindows, tileWindows, unigramEntropy } from '../../src/node/charModel.js'

const text = 'the cat sat on the mat.\nthe end.\n'
const vocab = [...new Set(text)].sort().join('')

describe('the character model pieces', () => {
  it('encodes text as indices into the vocabulary and back; refuses a character outside it', () => {
    const ids = encodeChars(text, vocab)
    expect(ids.length).toBe(text.length)
    expect(decodeChars(ids, vocab)).toBe(text)
    expect(() => encodeChars('dog', vocab)).toThrow(/"g" at 2 is not in the vocabulary/)
  })

  it('splits documents by document: every 20th is validation, the vocabulary covers both', () => {
    const docs = Array.from({ length: 40 }, (_, i) => ({ name: `d${i}`, text: i % 20 === 19 ? `Z${i}` : `a${i}` }))
    const c = charCorpus(docs)
    expect(decodeChars(c.valid, c.vocab)).toBe('Z19\nZ39\n')
    expect(decodeChars(c.train, c.vocab)).toMatch(/^a0\na1\n.*a38\n$/s)
    expect(decodeChars(c.train, c.vocab)).not.toMatch(/Z/)
    expect(c.vocab).toBe('\n0123456789aZ'.split('').sort().join(''))
  })

  it('draws windows whose targets are the next characters, the same for the same key', () => {
    const ids = encodeChars(text, vocab)
    const w = sampleWindows(Rng.key(3), ids, 50, 8)
    expect([w.x.shape, w.y.shape, w.x.dtype, w.y.dtype]).toEqual([[50, 8], [50, 8], 'int32', 'int32'])
    const [xs, ys] = [T.toNested(w.x) as number[][], T.toNested(w.y) as number[][]]
    xs.forEach((row, i) => {
      const s = decodeChars(row, vocab)
      const at = text.indexOf(s)
      expect(at, s).toBeGreaterThanOrEqual(0)
      expect(decodeChars(ys[i]!, vocab)).toBe(text.slice(at + 1, at + 9))
    })
    expect(T.equals(sampleWindows(Rng.key(3), ids, 50, 8).x, w.x)).toBe(true)
    expect(T.equals(sampleWindows(Rng.key(4), ids, 50, 8).x, w.x)).toBe(false)
    // the consecutive validation windows tile the text from its start
    const v = tileWindows(ids, 100, 8)
    expect(v.x.shape).toEqual([Math.floor((text.length - 1) / 8), 8])
    expect(decodeChars(T.toArray(v.x), vocab)).toBe(text.slice(0, v.x.size))
    expect(decodeChars(T.toArray(v.y), vocab)).toBe(text.slice(1, v.x.size + 1))
  })

  it('the unigram entropy is log k for k equally frequent characters and 0 for one', () => {
    expect(unigramEntropy(Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), 6)).toBeCloseTo(Math.log(4), 12)
    expect(unigramEntropy(Int32Array.from([2, 2, 2]), 3)).toBe(0)
  })

  it('samples the requested length from the vocabulary; the same key gives the same text', () => {
    const c = charModelConfigs.quick
    const network = charTransformer(vocab.length, c)
    const vars = Net.init(network, { key: Rng.key(0), inShape: [c.context] })
    const o = { key: Rng.key(5), length: 2 * c.context + 3, context: c.context } // past the context: the window slides
    const s = sampleChars(network, vars, vocab, o)
    expect(s.length).toBe(o.length)
    expect([...s].every((ch) => vocab.includes(ch))).toBe(true)
    expect(sampleChars(network, vars, vocab, o)).toBe(s)
    expect(sampleChars(network, vars, vocab, { ...o, key: Rng.key(6) })).not.toBe(s)
    // a temperature near 0 takes the likeliest character every time, whatever the key
    const cold = { ...o, length: 20, temperature: 1e-6 }
    expect(sampleChars(network, vars, vocab, { ...cold, key: Rng.key(1) })).toBe(sampleChars(network, vars, vocab, { ...cold, key: Rng.key(2) }))
    expect(() => sampleChars(network, vars, vocab, { ...o, temperature: 0 })).toThrow(/temperature must be a positive number/)
  })
})

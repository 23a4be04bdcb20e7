/**
 * Every public function has a runnable `@example`, and every example runs: its imports bound to
 * the library, its assertions passing. So the API docs cannot drift from the code.
 */
import { describe, expect, it } from 'vitest'
import { publicExports, runExample, typeErrors, virtualFile } from './examples.js'

const exports = publicExports()
const examples = exports.flatMap((e) => e.examples.map((code, i) => [`${e.name}${e.examples.length > 1 ? ` #${i + 1}` : ''} (${e.file})`, code] as const))

describe('API examples', () => {
  it('every example type-checks as a user file with the strict options', () => {
    const files = new Map(examples.map(([name, code], i) => [virtualFile(`example-${i}`), code] as const))
    const names = new Map([...files.keys()].map((f, i) => [f, examples[i]![0]] as const))
    expect(typeErrors(files).map((e) => `${names.get(e.file) ?? e.file}, line ${e.line}: ${e.message}`)).toEqual([])
  }, 120_000)
  it('every public function has an @example', () => {
    expect(exports.filter((e) => e.isFunction && e.examples.length === 0).map((e) => `${e.name} (${e.file})`)).toEqual([])
  })
  it.each(examples)('%s', async (_, code) => {
    expect(code, 'an example imports what it uses').toMatch(/^import /m)
    expect(code, 'an example checks its claims').toMatch(/\bassert\b/)
    // the library outside src/node runs in browsers: so do its examples
    if (!/\(src\/node\//.test(_)) expect(code.match(/from 'node:(?!assert\/strict')[^']*'/g) ?? [], 'Node built-ins only in examples of puregrad/node').toEqual([])
    await runExample(code)
  })
})

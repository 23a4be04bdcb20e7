/**
 * The guide (docs/guide.md) is one program: its ```ts blocks, joined in order, must type-check
 * against the library as a user's file would and run with every assertion passing.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { runExample, typeErrors, virtualFile } from './examples.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const guide = readFileSync(`${root}docs/guide.md`, 'utf8')

/** Every fenced block: its language, its code, and the line of docs/guide.md its code starts on. */
const fences = [...guide.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1]!,
  code: m[2]!,
  line: guide.slice(0, m.index).split('\n').length + 1,
}))
const blocks = fences.filter((f) => f.lang === 'ts')
const program = blocks.map((b) => b.code).join('\n')

/** The guide line of a line of the program (both counted from 1). */
const guideLine = (programLine: number): number => {
  let first = 1
  for (const b of blocks) {
    const lines = b.code.split('\n').length
    if (programLine < first + lines) return b.line + programLine - first
    first += lines
  }
  return Number.NaN
}

/** Type errors of the program, as a user's file with the project's strict options. */
const programErrors = (code: string): string[] => {
  const file = virtualFile('guide')
  return typeErrors(new Map([[file, code]])).map((e) => `docs/guide.md:${guideLine(e.line)}: ${e.message}`)
}

describe('docs/guide.md', () => {
  it('is one TypeScript program whose first block imports what the rest uses', () => {
    expect(fences.map((f) => f.lang).filter((l) => l !== 'ts'), 'every code block is ```ts').toEqual([])
    const [first, ...rest] = fences
    expect(first?.code).toMatch(/^import assert from 'node:assert\/strict'$/m)
    expect(first?.code).toMatch(/^import \{[^}]*\} from 'puregrad'$/m)
    expect(rest.filter((f) => /^import /m.test(f.code)).map((f) => f.code), 'only the first block imports').toEqual([])
  })

  it('type-checks as a user file with the strict options', () => {
    expect(programErrors(program)).toEqual([])
  })

  it('runs top to bottom, every assertion passing', async () => {
    // each block first records where it starts, so a failure can say which block failed
    const marked = blocks.map((b) => `globalThis.guideBlockLine = ${b.line}\n${b.code}`).join('\n')
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      await runExample(marked)
    } catch (e) {
      throw new Error(`the block at docs/guide.md:${(globalThis as { guideBlockLine?: number }).guideBlockLine} failed: ${String(e)}`, { cause: e })
    } finally {
      log.mockRestore()
      delete (globalThis as { guideBlockLine?: number }).guideBlockLine
    }
  })
})

/**
 * Every ```ts block of README.md type-checks as a user's file and runs: each block is a program
 * of its own (it imports what it uses), run in order in one fresh directory, as a reader trying
 * them one after the other would (the ONNX import reads the model.onnx the export wrote). What a
 * block shows as printed, in the comment after a `console.log`, is what it prints: `…` stands for
 * any text, and a line break of the comment for a line break or a space (long messages wrap).
 * The two browser-only blocks run in Node up to their first browser call, which must refuse with
 * the code the README documents for Node.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runExample, typeErrors, virtualFile } from './examples.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const readme = readFileSync(`${root}README.md`, 'utf8')

/** Every fenced block: its language, code, the line of README.md its code starts on and the section it is in. */
const fences = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => {
  const before = readme.slice(0, m.index)
  return { lang: m[1]!, code: m[2]!, line: before.split('\n').length + 1, section: [...before.matchAll(/^##+ (.*)$/gm)].at(-1)?.[1] ?? '' }
})
const blocks = fences.filter((f) => f.lang === 'ts')

/** Sections whose block needs a browser: in Node, their first browser call refuses with this code. */
const browserOnly: Readonly<Record<string, string>> = { 'Models in the browser': 'FILE_ERROR', 'WebGPU': 'NO_DEVICE' }

/** The packages a README block may import beyond the library, fp-ts and Node's built-ins. */
const extra = new Set(['onnxruntime-web'])

/** What a block's `console.log` lines say they print: the comment on the line, or the comment lines right after it. */
const shownOutputs = (code: string): Array<{ readonly line: number; readonly text: string }> => {
  const lines = code.split('\n')
  const out: Array<{ line: number; text: string }> = []
  lines.forEach((l, i) => {
    if (!/\bconsole\.log\(/.test(l)) return
    const inline = /\)\s*\/\/ (.*)$/.exec(l)
    if (inline) return void out.push({ line: i, text: inline[1]! })
    const after: string[] = []
    for (let j = i + 1; j < lines.length && /^\s*\/\/ ?/.test(lines[j]!); j++) after.push(lines[j]!.replace(/^\s*\/\/ ?/, ''))
    if (after.length > 0) out.push({ line: i, text: after.join('\n') })
  })
  return out
}

/** The shown text as a pattern: `…` is any text, a line break a line break or one space. */
const pattern = (shown: string): RegExp =>
  new RegExp(`^${shown.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\n/g, '(?:\\n| )')).join('[\\s\\S]*?')}$`)

describe('README.md', () => {
  it('has TypeScript blocks in every section that shows the library in use', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(11)
    expect(fences.filter((f) => f.lang !== 'ts' && f.lang !== 'sh' && f.lang !== '').map((f) => `README.md:${f.line}: ${f.lang}`)).toEqual([])
    // a block that is neither ts nor sh is output (the sample text): nothing in it looks like code
    expect(fences.filter((f) => f.lang === '' && /\b(import|const|await)\b/.test(f.code)).map((f) => `README.md:${f.line}`)).toEqual([])
    expect(Object.keys(browserOnly).filter((s) => !blocks.some((b) => b.section === s))).toEqual([])
  })

  it('each block type-checks as a user file with the strict options', () => {
    const files = new Map(blocks.map((b, i) => [virtualFile(`readme-${i}`), b.code] as const))
    const at = new Map([...files.keys()].map((f, i) => [f, blocks[i]!.line] as const))
    expect(typeErrors(files).map((e) => `README.md:${(at.get(e.file) ?? 0) + e.line - 1}: ${e.message}`)).toEqual([])
  }, 120_000)

  describe('each block runs, in order in one directory, and prints what it shows', () => {
    let dir = ''
    const cwd = process.cwd()
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'puregrad-readme-'))
      process.chdir(dir)
    })
    afterAll(() => {
      process.chdir(cwd)
      rmSync(dir, { recursive: true, force: true })
    })
    for (const b of blocks) {
      it(`README.md:${b.line} (${b.section})`, async () => {
        const shown = shownOutputs(b.code)
        const printed = new Map<number, string[]>()
        const g = globalThis as { readmeLog?: (line: number, ...args: unknown[]) => void }
        g.readmeLog = (line, ...args) => void printed.set(line, [...(printed.get(line) ?? []), format(...args)])
        // each console.log with a shown output reports its line; the others print as usual
        const lines = b.code.split('\n')
        for (const s of shown) lines[s.line] = lines[s.line]!.replace(/\bconsole\.log\(/, `globalThis.readmeLog(${s.line}, `)
        const code = lines.join('\n')
        try {
          const refusal = browserOnly[b.section]
          if (refusal === undefined) await runExample(code, extra)
          else await expect(runExample(code, extra)).rejects.toMatchObject({ code: refusal })
        } finally {
          delete g.readmeLog
        }
        if (browserOnly[b.section] !== undefined) return
        for (const s of shown) {
          const out = printed.get(s.line)
          expect(out, `README.md:${b.line + s.line}: the console.log runs`).toBeDefined()
          expect(out![0], `README.md:${b.line + s.line} prints what the README shows`).toMatch(pattern(s.text))
        }
      }, 120_000)
    }
  })
})

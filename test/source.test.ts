// Rules about the library's source that no type checker enforces.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const src = fileURLToPath(new URL('../src', import.meta.url))
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
/** Code only: doc comments hold runnable examples, which may import node:assert. */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '')
const sources = files(src).map((f) => ({ file: f.slice(src.length + 1), text: code(readFileSync(f, 'utf8')) }))

describe('the source of src/', () => {
  it('has files to check', () => {
    expect(sources.length).toBeGreaterThan(20)
  })
  it('never calls Math.random: randomness comes only from explicit keys', () => {
    expect(sources.filter((s) => /Math\s*\.\s*random\s*\(|Math\[['"]random/.test(s.text)).map((s) => s.file)).toEqual([])
  })
  it('imports no Node built-ins outside src/node/ (the Node-only entry), so the rest runs in browsers', () => {
    const nodeOnly = (file: string) => file.startsWith('node/') || file.startsWith('node\\')
    expect(sources.filter((s) => !nodeOnly(s.file) && /from ['"](node:|fs['"]|path['"]|os['"]|child_process|worker_threads)/.test(s.text)).map((s) => s.file)).toEqual([])
  })
  it('imports fp-ts only as fp-ts/lib/<Module>.js, the form plain Node resolves', () => {
    const bad = sources.flatMap((s) => [...s.text.matchAll(/from ['"](fp-ts[^'"]*)['"]/g)].map((m) => m[1]!).filter((p) => !/^fp-ts\/lib\/\w+\.js$/.test(p)).map((p) => `${s.file}: ${p}`))
    expect(bad).toEqual([])
  })
})

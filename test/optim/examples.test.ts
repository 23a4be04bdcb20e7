/**
 * Runs every `@example` of src/optim/*.ts: each is transpiled from TypeScript, its `puregrad`
 * import is bound to the library, and its closing assertions must pass. So the docs cannot drift
 * from the code.
 */
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as Either from 'fp-ts/lib/Either.js'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import * as Lib from '../../src/index.js'

const dir = fileURLToPath(new URL('../../src/optim/', import.meta.url))
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))

interface Example {
  readonly file: string
  readonly name: string
  readonly code: string
}

/** The @example blocks of a file, each with the name of the export it documents. */
const examplesOf = (file: string): Example[] => {
  const text = readFileSync(dir + file, 'utf8')
  const out: Example[] = []
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(?:export\s+)?(?:const|interface|type|function)\s+(\w+)/g)) {
    const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, ''))
    const start = lines.findIndex((l) => l.startsWith('@example'))
    if (start < 0) continue
    const end = lines.findIndex((l, i) => i > start && l.startsWith('@'))
    out.push({ file, name: m[2]!, code: lines.slice(start + 1, end < 0 ? undefined : end).join('\n') })
  }
  return out
}

const examples = files.flatMap(examplesOf)

/** The fp-ts modules an example may import whole (`import * as E from 'fp-ts/lib/Either.js'`). */
const fpts: Readonly<Record<string, unknown>> = { 'fp-ts/lib/Either.js': Either }

/** `import { Optim, Tensor as T } from 'puregrad'` and `import * as E from 'fp-ts/lib/Either.js'` → the names they bind. */
const bindingsOf = (code: string): Array<[string, unknown]> => [
  ...[...code.matchAll(/^import \{([^}]*)\} from 'puregrad'$/gm)].flatMap((m) =>
    m[1]!.split(',').map((part) => {
      const [name, alias] = part.trim().split(/\s+as\s+/) as [string, string | undefined]
      expect(Object.keys(Lib), `unknown import ${name}`).toContain(name)
      return [alias ?? name, (Lib as Record<string, unknown>)[name]] as [string, unknown]
    }),
  ),
  ...[...code.matchAll(/^import \* as (\w+) from '([^']+)'$/gm)].map((m) => {
    expect(Object.keys(fpts), `unknown import ${m[2]!}`).toContain(m[2]!)
    return [m[1]!, fpts[m[2]!]] as [string, unknown]
  }),
]

const run = (code: string): void => {
  const bindings = bindingsOf(code)
  const body = code.replace(/^import .*$/gm, '')
  const js = ts.transpileModule(body, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText
  new Function('assert', ...bindings.map((b) => b[0]), js)(assert, ...bindings.map((b) => b[1]))
}

describe('the alias files', () => {
  it('hold no arithmetic: only chains of transformations (no tensor import, no + − × ÷ in code)', () => {
    for (const file of ['alias.ts', 'aliasAdam.ts', 'aliasHelpers.ts']) {
      const code = readFileSync(dir + file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
        .replace(/'[^']*'|`[^`]*`/g, "''")
        .replace(/\b\d+(\.\d+)?(e[-+]?\d+)?\b/g, '0')
      expect(code, file).not.toMatch(/from '\.\.\/tensor|\bT\./)
      expect(code.match(/[\w)\]]\s*[-+*/%]\s*[\w(]|\*\*/g) ?? [], file).toEqual([])
    }
  })
})

describe('the @example of every export in src/optim', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThan(60)
  })
  it('every export has a doc comment with a summary, and an @example unless it is an options record, a state type or internal', () => {
    const missing = files.flatMap((file) => {
      const text = readFileSync(dir + file, 'utf8')
      return [...text.matchAll(/(\/\*\*[\s\S]*?\*\/\s*)?export (?:const|interface|type|function) (\w+)/g)]
        .filter((m) => {
          const doc = m[1]
          if (doc === undefined) return true
          if (doc.includes('@internal')) return false
          const summary = doc.replace(/^\/\*\*\s*\*?\s*/, '')
          if (summary.startsWith('@')) return true
          return !doc.includes('@example') && !/Options$/.test(m[2]!) && !doc.includes('@category model') && !doc.includes('@category aliases')
        })
        .map((m) => `${file}: ${m[2]}`)
    })
    expect(missing).toEqual([])
  })
  it.each(examples.map((e) => [`${e.file} ${e.name}`, e] as const))('%s', (_, e) => {
    expect(e.code).toMatch(/assert/)
    run(e.code)
  })
})

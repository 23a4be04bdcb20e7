// The layering of src/: every import (type-only ones included) goes down the ranks below or
// stays inside its own folder, and no files import each other in a circle.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../src', import.meta.url))

/**
 * The layers, lowest first. A folder may import its own files and folders of a lower rank;
 * folders of one rank are independent of each other.
 */
export const RANKS: Readonly<Record<string, number>> = {
  core: 0,
  kernels: 1,
  tree: 1,
  onnx: 1,
  prims: 2,
  tensor: 3,
  rng: 4,
  ad: 5,
  net: 6,
  optim: 6,
  loss: 6,
  data: 6,
  train: 7,
  testing: 7,
  study: 8,
  'index.ts': 9,
  node: 10,
  browser: 10,
}

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })

/** Relative imports and re-exports of a file, resolved to files under src/. */
const importsOf = (file: string): string[] => {
  const text = readFileSync(file, 'utf8')
  const found: string[] = []
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'(\.{1,2}\/[^']+)'|^\s*import\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/gm)) {
    const spec = m[1] ?? m[2] ?? m[3]!
    const base = normalize(join(dirname(file), spec)).replace(/\.js$/, '')
    const target = [`${base}.ts`, join(base, 'index.ts')].find((p) => {
      try {
        return statSync(p).isFile()
      } catch {
        return false
      }
    })
    // a module naming its own type (`typeof import('./self.js')`) depends on nothing
    if (target !== file) found.push(target ?? `${base} (unresolved)`)
  }
  return found
}

/** The top folder of a file under src/ ('index.ts' for the root module). */
const layerOf = (file: string): string => relative(SRC, file).split('/')[0]!

const graph = new Map(files(SRC).map((f) => [f, importsOf(f)] as const))
const show = (f: string): string => relative(SRC, f)

/** Strongly connected components with more than one file (Tarjan). */
const circles = (g: ReadonlyMap<string, readonly string[]>): string[][] => {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const out: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1 || (g.get(v) ?? []).includes(v)) out.push(scc.sort())
    }
  }
  for (const v of g.keys()) if (!index.has(v)) visit(v)
  return out
}

describe('the layering of src/', () => {
  it('knows the rank of every top-level folder', () => {
    expect([...new Set([...graph.keys()].map(layerOf))].filter((l) => RANKS[l] === undefined)).toEqual([])
  })

  it('resolves every relative import', () => {
    expect([...graph.entries()].flatMap(([f, ds]) => ds.filter((d) => d.endsWith('(unresolved)')).map((d) => `${show(f)} → ${d}`))).toEqual([])
  })

  it('has no upward or sideways import between layers', () => {
    const bad = [...graph.entries()].flatMap(([f, ds]) =>
      ds
        .filter((d) => layerOf(d) !== layerOf(f) && !(RANKS[layerOf(d)]! < RANKS[layerOf(f)]!))
        .map((d) => `${show(f)} (${layerOf(f)}, rank ${RANKS[layerOf(f)]}) imports ${show(d)} (${layerOf(d)}, rank ${RANKS[layerOf(d)]})`),
    )
    expect(bad).toEqual([])
  })

  it('has no import circle', () => {
    expect(circles(graph).map((c) => c.map(show))).toEqual([])
  })

  it('finds a circle and an upward import when there is one (the checks can fail)', () => {
    expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']])
    expect(importsOf(join(SRC, 'prims', 'bind.ts')).map(show)).toContain('prims/eval.ts')
  })
})

// The built package must load under plain Node, outside vitest and tsx: this is the check that
// catches imports that only bundlers resolve (e.g. `fp-ts/function` instead of `fp-ts/lib/function.js`).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('the built package', () => {
  it('imports under plain node by its package name and computes', () => {
    expect(existsSync(`${root}dist/index.js`), 'dist/ is missing: run `npm run build` (npm test does it first)').toBe(true)
    const script = `
      import { Tensor as T, Rng, Tree, PuregradError } from 'puregrad'
      const y = T.matmul(T.tensor([[1, 2]]), T.tensor([[3], [4]]))
      const k = Rng.key(0)
      console.log(JSON.stringify({ y: T.item(y), tree: typeof Tree.map, key: typeof k, err: typeof PuregradError }))
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ y: 11, tree: 'function', key: 'object', err: 'function' })
  })

  it('imports puregrad/browser under plain node: storage refuses with a coded error, a Blob reads back', () => {
    expect(existsSync(`${root}dist/browser/index.js`), 'dist/browser is missing: run `npm run build`').toBe(true)
    const script = `
      import { Net, Rng } from 'puregrad'
      import { loadFromIndexedDb, modelFromFile, saveToIndexedDb } from 'puregrad/browser'
      const network = Net.dense(2)
      const model = { network, inShape: [3], ...Net.init(network, { key: Rng.key(0), inShape: [3] }) }
      const loaded = await loadFromIndexedDb('m')
      const saved = await saveToIndexedDb('m', model).then(() => 'saved', (e) => e.code)
      const back = await modelFromFile(new Blob([Net.encode(model)]))
      console.log(JSON.stringify({ loaded: loaded.left.code, saved, back: back._tag }))
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ loaded: 'FILE_ERROR', saved: 'FILE_ERROR', back: 'Right' })
  })

  it('serves puregrad/testing: its laws run under plain node, pass on a correct layer and fail with LAW_FAILED on a broken one', () => {
    expect(existsSync(`${root}dist/testing/index.js`), 'dist/testing is missing: run `npm run build`').toBe(true)
    const script = `
      import { Net, Optim, Tensor as T } from 'puregrad'
      import { check, fc, gradCheckLaw, descendsOnQuadratic, onnxEqualsApply, program, programInput, runProgram, tensor } from 'puregrad/testing'
      check(gradCheckLaw(Net.dense(2), { inShape: [3] }), { numRuns: 2 })
      let code
      try { check(descendsOnQuadratic(Optim.scale(1)), { numRuns: 3 }) } catch (e) { code = e.code }
      // the ONNX law loads onnxruntime-web (an optional peer) when it runs
      await check(onnxEqualsApply(Net.serial(Net.dense(3), Net.tanh), { inShape: [2] }), { numRuns: 1 })
      const [p, x] = fc.sample(fc.tuple(program(), programInput()), 1)[0]
      console.log(JSON.stringify({ code, drawn: T.isTensor(fc.sample(tensor(), 1)[0]), program: runProgram(p, x).shape }))
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ code: 'LAW_FAILED', drawn: true, program: [3, 4] })
  })

  it('refuses the ONNX law with an install hint where onnxruntime-web cannot be found, before drawing a case', () => {
    // a resolve hook that hides onnxruntime-web, as on a machine without the optional peer
    const hook = `export async function resolve(s, c, next) { if (s === 'onnxruntime-web') throw Object.assign(new Error('Cannot find package onnxruntime-web'), { code: 'ERR_MODULE_NOT_FOUND' }); return next(s, c) }`
    const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}))`
    const script = `
      import { Net } from 'puregrad'
      import { check, onnxEqualsApply } from 'puregrad/testing'
      const e = await check(onnxEqualsApply(Net.dense(2), { inShape: [3] }), { numRuns: 1 }).then(() => undefined, (e) => e)
      console.log(JSON.stringify({ code: e?.code, op: e?.op, message: e?.message }))
    `
    const out = execFileSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    const r = JSON.parse(out) as { code: string; op: string; message: string }
    expect([r.code, r.op]).toEqual(['INVALID_ARGUMENT', 'onnxEqualsApply'])
    expect(r.message).toMatch(/onnxruntime-web, which is not installed; install it .*npm i -D onnxruntime-web/)
  })

  it('keeps fast-check out of the main entry: no module reachable from dist/index.js imports it', () => {
    const seen = new Set<string>()
    const bare = new Set<string>()
    const visit = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:^|[\s;])(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? m[2] ?? m[3]!
        if (spec.startsWith('.')) visit(normalize(join(dirname(file), spec)))
        else bare.add(spec)
      }
    }
    visit(`${root}dist/index.js`)
    expect(seen.size).toBeGreaterThan(50)
    expect([...bare].filter((s) => s === 'fast-check' || s.startsWith('fast-check/'))).toEqual([])
    // and the package declares it as the optional peer dependency puregrad/testing needs
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>; exports: Record<string, unknown> }
    expect(pkg.peerDependencies['fast-check']).toBeDefined()
    expect(pkg.peerDependenciesMeta['fast-check']?.optional).toBe(true)
    // and onnxruntime-web, which the ONNX law loads when it runs, as an optional peer too
    expect(pkg.peerDependencies['onnxruntime-web']).toBeDefined()
    expect(pkg.peerDependenciesMeta['onnxruntime-web']?.optional).toBe(true)
    expect([...bare].filter((s) => s.startsWith('onnxruntime'))).toEqual([])
    expect(pkg.exports['./testing']).toEqual({ types: './dist/testing/index.d.ts', import: './dist/testing/index.js' })
  })
})

describe('the published package', () => {
  type Pkg = { license: string; repository: { url: string }; homepage: string; bugs: { url: string }; dependencies: Record<string, string>; files: string[] }
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Pkg

  it('ships the build, the README, the LICENSE and the guide, and none of the tests, laws, benchmarks or sources', () => {
    // what `npm publish` would upload, as npm itself computes it
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>
    const files = packed!.files.map((f) => f.path)
    for (const f of ['README.md', 'LICENSE', 'docs/guide.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/node/cli.js', 'dist/testing/index.js', 'dist/browser/index.js']) expect(files, f).toContain(f)
    const top = new Set(files.map((f) => f.split('/')[0]))
    expect([...top].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'docs', 'package.json'])
    expect(files.filter((f) => f.startsWith('docs/'))).toEqual(['docs/guide.md'])
    expect(files.filter((f) => /\.test\.|\.laws\.|\.tsbuildinfo$/.test(f))).toEqual([])
  })

  it('maps every built file back to its TypeScript source, carried inside the map (the sources are not shipped)', () => {
    for (const file of ['index.js', 'tensor/index.js', 'net/interpret.js', 'testing/index.js']) {
      const js = readFileSync(`${root}dist/${file}`, 'utf8')
      const name = file.split('/').at(-1)!
      expect(js.trimEnd().endsWith(`//# sourceMappingURL=${name}.map`), `dist/${file} names its map`).toBe(true)
      const map = JSON.parse(readFileSync(`${root}dist/${file}.map`, 'utf8')) as { sources: string[]; sourcesContent?: string[] }
      expect(map.sources).toEqual([`../`.repeat(file.split('/').length) + `src/${file.replace(/\.js$/, '.ts')}`])
      expect(map.sourcesContent, `dist/${file}.map carries its source (inlineSources)`).toEqual([readFileSync(`${root}src/${file.replace(/\.js$/, '.ts')}`, 'utf8')])
    }
  })

  it('states its license, repository, homepage and issue tracker, and the LICENSE file is the MIT licence', () => {
    expect(pkg.license).toBe('MIT')
    expect(readFileSync(`${root}LICENSE`, 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) the puregrad authors\n\nPermission is hereby granted, free of charge/)
    expect(pkg.repository.url).toBe('git+https://github.com/puregrad/puregrad.git')
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/puregrad\/puregrad/)
    expect(pkg.bugs.url).toBe('https://github.com/puregrad/puregrad/issues')
  })

  it('takes its runtime dependencies in caret ranges, so a user can dedupe them with their own copies', () => {
    const notCaret = Object.entries(pkg.dependencies).filter(([, v]) => !/^\^\d+\.\d+\.\d+$/.test(v))
    expect(notCaret).toEqual([])
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['fp-ts', 'immer']))
  })
})

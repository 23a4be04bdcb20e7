#!/usr/bin/env node
// Compiles the AssemblyScript kernels (assembly/*.ts) into four WebAssembly modules and embeds
// them, base64-encoded, in src/kernels/wasm/generated/modules.ts, which the library imports (so
// the package needs no .wasm file at run time, in Node or in a browser bundle):
//   - `simd`:          SIMD128, imports a plain memory   (one thread; works everywhere)
//   - `shared`:        SIMD128 + threads, imports a shared memory (main thread + workers)
//   - `relaxed`:       as `simd`, with relaxed SIMD (fused multiply-add in the matrix products)
//   - `sharedRelaxed`: as `shared`, with relaxed SIMD
// Node 20 validates the relaxed modules only behind --experimental-wasm-relaxed-simd; this script
// turns that V8 flag on for itself (when it is needed) to check them.
// The generated file records a hash of its inputs; an unchanged input set is not recompiled.
//
// The op codes have one source, the exported enums of assembly/ (`Binary`, `Unary`, `Reduce`,
// whose members are named after the TypeScript ops they compute). Every run reads them back
// from the compiled modules (where they are exported globals such as `Unary.exp`), checks them,
// and writes src/kernels/wasm/generated/opcodes.ts, the maps the TypeScript kernels dispatch by.
// The checks fail the build when the two variants disagree, when a dispatcher traps on one of
// its own codes (an enum member without a case), or when it does not trap on an unknown code;
// the generated maps are typed so that `tsc` fails on a member that is not a TypeScript op.
// Usage: node wasm/build.mjs [--force]
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const asmDir = join(root, 'assembly')
const outFile = join(root, 'src/kernels/wasm/generated/modules.ts')
const opcodesFile = join(root, 'src/kernels/wasm/generated/opcodes.ts')
const ascVersion = JSON.parse(readFileSync(join(root, 'node_modules/assemblyscript/package.json'), 'utf8')).version

const common = ['--runtime', 'stub', '--noAssert', '--importMemory', '--initialMemory', '2', '-O3', '--noExportMemory']
const sharedMemory = ['--sharedMemory', '--maximumMemory', '32768']
const variants = {
  simd: [...common, '--enable', 'simd'],
  shared: [...common, ...sharedMemory, '--enable', 'simd,threads'],
  relaxed: [...common, '--enable', 'simd,relaxed-simd'],
  sharedRelaxed: [...common, ...sharedMemory, '--enable', 'simd,threads,relaxed-simd'],
}
/** What each variant's doc comment in modules.ts says. */
const described = {
  simd: 'SIMD128 module importing a plain memory `env.memory`',
  shared: 'SIMD128 + threads module importing a shared memory `env.memory` (maximum 32768 pages)',
  relaxed: 'SIMD128 + relaxed SIMD module importing a plain memory `env.memory`',
  sharedRelaxed: 'SIMD128 + relaxed SIMD + threads module importing a shared memory `env.memory` (maximum 32768 pages)',
}

const sources = readdirSync(asmDir).filter((f) => f.endsWith('.ts')).sort()
const hash = createHash('sha256')
hash.update(`asc ${ascVersion}\n${JSON.stringify(variants)}\n${readFileSync(fileURLToPath(import.meta.url), 'utf8')}`)
for (const f of sources) hash.update(`${f}\n${readFileSync(join(asmDir, f), 'utf8')}`)
const digest = hash.digest('hex').slice(0, 16)

/** The binaries embedded in an up-to-date modules.ts, or undefined if it is missing or stale. */
const cachedBinaries = () => {
  if (process.argv.includes('--force') || !existsSync(outFile)) return undefined
  const text = readFileSync(outFile, 'utf8')
  if (!text.includes(`inputs ${digest}`)) return undefined
  const out = {}
  for (const name of Object.keys(variants)) {
    const m = new RegExp(`export const ${name}Module: string = \\[\\n([^]*?)\\]\\.join\\(''\\)`).exec(text)
    if (m === null) return undefined
    out[name] = Buffer.from([...m[1].matchAll(/'([A-Za-z0-9+/=]*)'/g)].map((q) => q[1]).join(''), 'base64')
  }
  return out
}

/** Compiles both variants and writes modules.ts. */
const compile = async () => {
  const { default: asc } = await import('assemblyscript/asc')
  const binaries = {}
  for (const [name, flags] of Object.entries(variants)) {
    let binary
    const stderr = []
    const { error } = await asc.main([join(asmDir, 'index.ts'), ...flags, '--outFile', 'out.wasm'], {
      writeFile: (file, contents) => {
        if (file.endsWith('.wasm')) binary = contents
      },
      stderr: { write: (s) => stderr.push(String(s)) },
    })
    if (error || binary === undefined) {
      console.error(stderr.join(''))
      console.error(`wasm: asc failed for ${name}: ${error?.message ?? 'no output'}`)
      process.exit(1)
    }
    binaries[name] = Buffer.from(binary)
  }
  const b64 = (b) => b.toString('base64').replace(/.{1,100}/g, (line) => `  '${line}' +\n`).replace(/ \+\n$/, ',\n')
  const text = `// GENERATED by wasm/build.mjs from assembly/*.ts (AssemblyScript ${ascVersion}); do not edit.
// inputs ${digest}
/**
 * The compiled kernels, base64-encoded. @internal
 */

${Object.keys(variants).map((name) => `
/** ${described[name]} (${binaries[name].length} bytes). */
export const ${name}Module: string = [
${b64(binaries[name])}].join('')
`).join('')}`
  mkdirSync(dirname(outFile), { recursive: true })
  writeFileSync(outFile, text)
  console.log(`wasm: built ${Object.keys(variants).map((name) => `${name} ${binaries[name].length} B`).join(', ')} (${digest})`)
  return binaries
}

/**
 * The op-code families: the enum in assembly/, the TypeScript op type its members must be
 * named after, the map generated for it, and a call of its dispatcher on a few elements.
 * `p` is the first free byte; every call reads and writes below p + 256.
 */
const families = [
  { enumName: 'Binary', source: 'assembly/elementwise.ts', opType: 'BinaryOp', mapName: 'binaryCodes', run: (x, code, p) => x.binary(code, p, 5, 1, p + 64, 5, 1, p + 128, 1, 5) },
  { enumName: 'Unary', source: 'assembly/elementwise.ts', opType: 'UnaryOp', mapName: 'unaryCodes', run: (x, code, p) => x.unary(code, p, p + 64, 5) },
  { enumName: 'Reduce', source: 'assembly/reduce.ts', opType: 'ReduceOp', mapName: 'reduceCodes', run: (x, code, p) => x.reduce(code, p, 1, 3, 2, p + 64, p + 128) },
]

const fail = (message) => {
  console.error(`wasm: ${message}`)
  process.exit(1)
}

/** Reads the op codes a variant exports and checks that its dispatchers serve exactly those codes. */
const opcodesOf = (name, binary) => {
  const shared = name.startsWith('shared')
  const memory = new WebAssembly.Memory(shared ? { initial: 2, maximum: 32768, shared: true } : { initial: 2 })
  const module = new WebAssembly.Module(binary)
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports
  const p = Math.ceil(x.heapBase() / 64) * 64
  const traps = (f) => {
    try {
      f()
      return false
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return true
      throw e
    }
  }
  const codes = {}
  for (const f of families) {
    const entries = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'global' && e.name.startsWith(`${f.enumName}.`))
      .map((e) => [e.name.slice(f.enumName.length + 1), x[e.name].value])
      .sort((a, b) => a[1] - b[1])
    if (entries.length === 0) fail(`${name}: the module exports no ${f.enumName}.* op codes (export the enum ${f.enumName} of ${f.source} from assembly/index.ts)`)
    const seen = new Map()
    for (const [op, code] of entries) {
      if (seen.has(code)) fail(`${name}: ${f.enumName}.${op} and ${f.enumName}.${seen.get(code)} share the code ${code}; give each member of the enum in ${f.source} its own value`)
      seen.set(code, op)
      if (traps(() => f.run(x, code, p))) {
        fail(`${name}: the ${f.enumName} dispatcher traps on ${f.enumName}.${op} (code ${code}); give it a case in every switch of ${f.source} that dispatches ${f.enumName} codes, or remove the member`)
      }
    }
    const unknown = [-1, entries[entries.length - 1][1] + 1]
    for (const code of unknown) {
      if (!traps(() => f.run(x, code, p))) fail(`${name}: the ${f.enumName} dispatcher accepts the unknown code ${code}; its switch must end in \`default: unreachable()\``)
    }
    codes[f.enumName] = entries
  }
  return codes
}

let binaries = cachedBinaries()
if (binaries !== undefined) console.log(`wasm: up to date (${digest})`)
else binaries = await compile()
if (!WebAssembly.validate(binaries.relaxed)) {
  const { setFlagsFromString } = await import('node:v8')
  setFlagsFromString('--experimental-wasm-relaxed-simd')
  if (!WebAssembly.validate(binaries.relaxed)) fail(`the relaxed-SIMD module does not validate in Node ${process.version}, even with --experimental-wasm-relaxed-simd`)
}
const codes = opcodesOf('simd', binaries.simd)
for (const name of Object.keys(variants).filter((v) => v !== 'simd')) {
  if (JSON.stringify(opcodesOf(name, binaries[name])) !== JSON.stringify(codes)) fail(`the simd and ${name} modules export different op codes; rebuild with --force`)
}
/** The value of an exported i32 global of a variant (instantiated on a fresh memory). */
const exported = (name, global) => {
  const memory = name.startsWith('shared') ? new WebAssembly.Memory({ initial: 2, maximum: 32768, shared: true }) : new WebAssembly.Memory({ initial: 2 })
  return new WebAssembly.Instance(new WebAssembly.Module(binaries[name]), { env: { memory } }).exports[global].value
}
for (const name of Object.keys(variants)) {
  const want = name === 'relaxed' || name === 'sharedRelaxed' ? 1 : 0
  if (exported(name, 'RELAXED') !== want) fail(`the ${name} module exports RELAXED = ${exported(name, 'RELAXED')}, expected ${want}: its asc flags and ASC_FEATURE_RELAXED_SIMD disagree`)
}

const maps = families.map((f) => {
  const body = codes[f.enumName].map(([op, code]) => `  ${op}: ${code},\n`).join('')
  return `/** \`${f.enumName}\` in ${f.source}: the ${f.opType}s with a wasm kernel, and their codes. */
export const ${f.mapName} = {
${body}} as const satisfies { readonly [P in ${f.opType}]?: number }
`
})
const opcodes = `// GENERATED by wasm/build.mjs from the op-code enums of assembly/*.ts; do not edit.
// inputs ${digest}
/**
 * The op codes of the WebAssembly kernels, read from the compiled module's exports. A type error
 * here means a member of one of those enums is not named after an op of src/kernels/Kernels.ts.
 * @internal
 */
import type { BinaryOp, ReduceOp, UnaryOp } from '../../Kernels.js'

${maps.join('\n')}`
if (!existsSync(opcodesFile) || readFileSync(opcodesFile, 'utf8') !== opcodes) {
  mkdirSync(dirname(opcodesFile), { recursive: true })
  writeFileSync(opcodesFile, opcodes)
  console.log(`wasm: wrote ${opcodesFile.slice(root.length + 1)} (${families.map((f) => `${codes[f.enumName].length} ${f.enumName}`).join(', ')})`)
}

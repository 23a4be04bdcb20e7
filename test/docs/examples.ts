/**
 * The doc-comment examples of the public API, found through the TypeScript compiler the way
 * typedoc sees them (every export of every namespace, re-exports resolved to their declaration),
 * and a runner that executes one as a user would after copying it: its `import` lines are bound
 * to the library, and its assertions must pass.
 */
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import * as Lib from '../../src/index.js'
import * as LibBrowser from '../../src/browser/index.js'
import * as LibNode from '../../src/node/index.js'
import * as LibTesting from '../../src/testing/index.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** One public export, under the name a user reaches it by (`Tensor.sum`, `useWasmKernels`). */
export interface PublicExport {
  readonly name: string
  /** Where it is declared, relative to the repository (`src/tensor/reduce.ts`). */
  readonly file: string
  readonly isFunction: boolean
  /** The code of each `@example` tag, fences removed. */
  readonly examples: ReadonlyArray<string>
}

const entries = { puregrad: 'src/index.ts', 'puregrad/node': 'src/node/index.ts', 'puregrad/browser': 'src/browser/index.ts', 'puregrad/testing': 'src/testing/index.ts' } as const

const exampleCode = (tag: ts.JSDocTag): string => {
  const text = ts.getTextOfJSDocComment(tag.comment) ?? ''
  const fenced = /```(?:ts|typescript|js)?\n([\s\S]*?)```/.exec(text)
  return (fenced ? fenced[1]! : text).trim()
}

/** Every public export of the entry points, namespaces opened one level. */
export const publicExports = (): PublicExport[] => {
  const program = ts.createProgram(
    Object.values(entries).map((f) => root + f),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true },
  )
  const checker = program.getTypeChecker()
  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)
  const out = new Map<string, PublicExport>()
  const visit = (s: ts.Symbol, name: string, depth: number): void => {
    const target = resolve(s)
    const decl = target.declarations?.[0]
    if (decl === undefined) return
    if (ts.isSourceFile(decl)) {
      if (depth === 0) for (const e of checker.getExportsOfModule(target)) visit(e, `${name}.${e.name}`, 1)
      return
    }
    if (!(target.flags & ts.SymbolFlags.Value)) return
    const type = checker.getTypeOfSymbolAtLocation(target, decl)
    const isFunction = type.getCallSignatures().length > 0 && type.getConstructSignatures().length === 0
    const examples = ts.getJSDocTags(decl).filter((t) => t.tagName.text === 'example').map(exampleCode)
    const file = decl.getSourceFile().fileName.slice(root.length)
    if (!out.has(name)) out.set(name, { name, file, isFunction, examples })
  }
  for (const [, file] of Object.entries(entries)) {
    const sf = program.getSourceFile(root + file)!
    const mod = checker.getSymbolAtLocation(sf)!
    for (const e of checker.getExportsOfModule(mod)) visit(e, e.name, 0)
  }
  return [...out.values()]
}

const modules: Readonly<Record<string, Record<string, unknown>>> = {
  puregrad: Lib as unknown as Record<string, unknown>,
  'puregrad/node': LibNode as unknown as Record<string, unknown>,
  'puregrad/browser': LibBrowser as unknown as Record<string, unknown>,
  'puregrad/testing': LibTesting as unknown as Record<string, unknown>,
}

/** A module an example may import: the library's entry points, or fp-ts (a dependency). */
const moduleOf = async (spec: string, extra: ReadonlySet<string>): Promise<Record<string, unknown> | undefined> =>
  modules[spec] ?? (/^fp-ts\/lib\/\w+\.js$|^node:[\w/]+$/.test(spec) || extra.has(spec) ? ((await import(spec)) as Record<string, unknown>) : undefined)

/** The names an example's import lines bind, with their values; refuses imports a user could not write. */
const bindingsOf = async (code: string, extra: ReadonlySet<string>): Promise<Array<readonly [string, unknown]>> => {
  const out: Array<readonly [string, unknown]> = []
  // an import line may end in a comment
  for (const line of code.split('\n').filter((l) => /^import\b/.test(l)).map((l) => l.replace(/\s+\/\/.*$/, ''))) {
    const def = /^import (\w+) from '(node:[\w/]+)'$/.exec(line)
    if (def) {
      out.push([def[1]!, def[2] === 'node:assert/strict' ? assert : ((await import(def[2]!)) as { default: unknown }).default])
      continue
    }
    const m = /^import (?:\* as (\w+)|\{([^}]*)\}) from '([^']+)'$/.exec(line)
    const mod = m ? await moduleOf(m[3]!, extra) : undefined
    if (!m || !mod) throw new Error(`an example may import only from 'puregrad', 'puregrad/node', 'puregrad/browser', 'puregrad/testing', 'fp-ts/lib/*.js', Node's built-ins${[...extra].map((e) => `, '${e}'`).join('')}; got: ${line}`)
    if (m[1] !== undefined) {
      out.push([m[1], mod])
      continue
    }
    for (const part of m[2]!.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
      const [name, alias] = part.split(/\s+as\s+/) as [string, string | undefined]
      if (name.startsWith('type ')) continue
      if (!(name in mod)) throw new Error(`'${m[3]}' exports no ${name}`)
      out.push([alias ?? name, mod[name]])
    }
  }
  return out
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>

/**
 * Runs one example (TypeScript, top-level await allowed). `extra` names further packages it may
 * import (the README's ONNX section imports onnxruntime-web, a dev dependency).
 */
export const runExample = async (code: string, extra: ReadonlySet<string> = new Set()): Promise<void> => {
  const bindings = await bindingsOf(code, extra)
  const body = code.replace(/^import .*$/gm, '')
  const js = ts.transpileModule(body, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText
  await new AsyncFunction(...bindings.map((b) => b[0]), js)(...bindings.map((b) => b[1]))
}

/**
 * Type errors of user files (path → code), compiled together as files of this repository with
 * the project's strict options, `puregrad`, `puregrad/node`, `puregrad/browser` and `puregrad/testing` resolved to the sources. Each
 * error comes with the path of its file and its line there (from 1).
 */
export const typeErrors = (files: ReadonlyMap<string, string>): Array<{ readonly file: string; readonly line: number; readonly message: string }> => {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: root,
    paths: { puregrad: ['src/index.ts'], 'puregrad/node': ['src/node/index.ts'], 'puregrad/browser': ['src/browser/index.ts'], 'puregrad/testing': ['src/testing/index.ts'] },
  }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.fileExists = (f) => files.has(f) || fileExists(f)
  host.readFile = (f) => files.get(f) ?? readFile(f)
  host.getSourceFile = (f, lang, ...rest) => {
    const code = files.get(f)
    return code === undefined ? getSourceFile(f, lang, ...rest) : ts.createSourceFile(f, code, lang)
  }
  const prog = ts.createProgram([...files.keys()], options, host)
  return [...files.keys()].flatMap((f) =>
    ts.getPreEmitDiagnostics(prog, prog.getSourceFile(f)).map((d) => ({
      file: d.file?.fileName ?? f,
      line: d.file === undefined || d.start === undefined ? 0 : d.file.getLineAndCharacterOfPosition(d.start).line + 1,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    })),
  )
}

/** Where a virtual user file is placed for type checking (inside the repository, so node_modules resolve). */
export const virtualFile = (name: string): string => `${root}.examples/${name}.ts`

/**
 * The API reference builds from the doc comments with the project's typedoc.json, the way
 * `npm run docs` builds it: no errors and no warnings (every `{@link}` resolves, every type the
 * docs mention is exported, every relative link in the README and the guide points at a file),
 * a page for each namespace, the guide, and the README as the index page.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Application, LogLevel, Logger, type ProjectReflection, ReflectionKind, RendererEvent, type RouterTarget } from 'typedoc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** Keeps every warning and error instead of printing it. */
class Collector extends Logger {
  readonly messages: string[] = []
  override log(message: string, level: LogLevel): void {
    super.log(message, level)
    if (level >= LogLevel.Warn) this.messages.push(`${LogLevel[level]}: ${message}`)
  }
}

const namespaces = ['Ad', 'Data', 'Loss', 'Net', 'Optim', 'Rng', 'Tensor', 'Train', 'Tree']

let out = ''
let project: ProjectReflection | undefined
/** The page each reflection or document was rendered to, relative to the output. */
const pages = new Map<RouterTarget, string>()
const logger = new Collector()
let seconds = 0

beforeAll(async () => {
  const started = performance.now()
  out = mkdtempSync(join(tmpdir(), 'puregrad-docs-'))
  // the type checker already runs in `npm test`; typedoc need not repeat it
  const app = await Application.bootstrapWithPlugins({ options: join(root, 'typedoc.json'), skipErrorChecking: true })
  if (app.logger.hasErrors() || app.logger.hasWarnings()) logger.messages.push('Warn: options: see the messages printed above')
  app.logger = logger
  app.renderer.on(RendererEvent.END, (e) => e.pages.forEach((p) => pages.set(p.model, p.url)))
  project = await app.convert()
  if (project !== undefined) {
    app.validate(project)
    await app.generateDocs(project, out)
  }
  seconds = (performance.now() - started) / 1000
}, 180_000)

afterAll(() => {
  if (out !== '') rmSync(out, { recursive: true, force: true })
})

/** The file a reflection or document of that name and kind was rendered to. */
const pageOf = (name: string, kind: ReflectionKind): string | undefined => {
  const r = project?.getReflectionsByKind(kind).find((x) => x.getFullName() === name)
  const url = r === undefined ? undefined : pages.get(r)
  return url === undefined ? undefined : join(out, url)
}

describe('typedoc', () => {
  it('converts the entry points without errors', () => {
    expect(project, logger.messages.join('\n')).toBeDefined()
    expect(logger.messages.filter((m) => m.startsWith('Error')), 'errors').toEqual([])
  })

  it('reports no warnings', () => {
    const warnings = logger.messages
    expect(warnings, `${warnings.length} warning(s):\n${warnings.join('\n')}`).toEqual([])
  })

  it('writes a page for each namespace and for puregrad/node, puregrad/browser and puregrad/testing', () => {
    const pages = namespaces.map((n) => pageOf(`puregrad.${n}`, ReflectionKind.Namespace))
    expect(pages.map((p, i) => (p !== undefined && existsSync(p) ? namespaces[i] : `${namespaces[i]} (missing)`))).toEqual(namespaces)
    const node = pageOf('puregrad/node', ReflectionKind.Module)
    expect(node !== undefined && existsSync(node), 'puregrad/node').toBe(true)
    const browser = pageOf('puregrad/browser', ReflectionKind.Module)
    expect(browser !== undefined && existsSync(browser), 'puregrad/browser').toBe(true)
    const testing = pageOf('puregrad/testing', ReflectionKind.Module)
    expect(testing !== undefined && existsSync(testing), 'puregrad/testing').toBe(true)
  })

  it('gives each namespace its module comment', () => {
    const missing = namespaces.filter((n) => {
      const ns = project?.getReflectionsByKind(ReflectionKind.Namespace).find((x) => x.getFullName() === `puregrad.${n}`)
      return ns?.comment === undefined || ns.comment.summary.length === 0
    })
    expect(missing).toEqual([])
  })

  it('writes the guide and uses the README as the index page', () => {
    const guide = pageOf('Guide', ReflectionKind.Document)
    expect(guide !== undefined && existsSync(guide), 'the guide page').toBe(true)
    expect(readFileSync(guide!, 'utf8')).toContain('From a network to a gradient check')
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('A functional, immutable neural-network DSL')
  })

  it('takes a reasonable time', () => {
    console.log(`typedoc: converted, validated and rendered in ${seconds.toFixed(1)} s`)
    expect(seconds).toBeLessThan(120)
  })
})

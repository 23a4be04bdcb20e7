/**
 * The source tree of an older commit, for Part 5's side-by-side (bench/mainJob.ts): exported from
 * this checkout's git history (`git archive`), linked to this checkout's node_modules, its
 * WebAssembly kernels built by its own wasm/build.mjs, and kept under
 * node_modules/.cache/puregrad-bench/<commit> so later runs reuse it (an incomplete tree is built
 * again). Where there is no history (a package installed from a tarball, a shallow clone, no git)
 * the answer is a reason to skip, never an exception.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The code when the main job's speed target was set: the last commit before the jit work. */
export const BASELINE_COMMIT = '281a3af'

/** The older tree, ready to run, or why it is not. */
export type Baseline =
  | {
      readonly kind: 'ready'
      readonly dir: string
      /** the commit's full hash */
      readonly commit: string
      /** what was done or found: reused from the cache or built, its kernels' digest, dependency versions that differ */
      readonly notes: ReadonlyArray<string>
    }
  | { readonly kind: 'skipped'; readonly reason: string }

export interface BaselineOptions {
  /** the checkout whose history holds the commit and whose node_modules the old tree uses */
  readonly root: string
  /** default BASELINE_COMMIT */
  readonly commit?: string
  /** where exported trees are kept; default <root>/node_modules/.cache/puregrad-bench */
  readonly cacheDir?: string
  /** the git executable; default 'git' */
  readonly git?: string
  /** progress lines (exporting, building) */
  readonly log?: (line: string) => void
}

/** The file that marks a finished tree: the commit and the digest of its built kernels. */
const MARKER = '.puregrad-bench.json'
const GENERATED = 'src/kernels/wasm/generated/modules.ts'

/** The packages the old tree needs beyond its dependencies: to build its kernels, load the digits, run TypeScript. */
const TOOLS = ['assemblyscript', 'mnist', 'tsx']

/**
 * What of an old package.json's needs the installed packages do not meet: `missing` (not
 * installed) and `differing` (installed at another version than the one pinned then), for its
 * dependencies and the tools the side-by-side uses (assemblyscript, mnist, tsx).
 */
export const dependencyProblems = (
  pkg: { readonly dependencies?: Readonly<Record<string, string>>; readonly devDependencies?: Readonly<Record<string, string>> },
  installed: (name: string) => string | undefined,
): { readonly missing: string[]; readonly differing: string[] } => {
  const wanted = new Map<string, string>()
  for (const [name, v] of Object.entries(pkg.dependencies ?? {})) wanted.set(name, v)
  for (const name of TOOLS) {
    const v = pkg.devDependencies?.[name] ?? pkg.dependencies?.[name]
    if (v !== undefined) wanted.set(name, v)
  }
  const missing: string[] = []
  const differing: string[] = []
  for (const [name, range] of wanted) {
    const have = installed(name)
    if (have === undefined) missing.push(`${name}@${range}`)
    else if (have !== range.replace(/^[\^~=]/, '')) differing.push(`${name} ${have} (it pinned ${range})`)
  }
  return { missing, differing }
}

/** The version of a package in a node_modules folder, or undefined when it is not there. */
const installedIn =
  (nodeModules: string) =>
  (name: string): string | undefined => {
    try {
      return (JSON.parse(readFileSync(join(nodeModules, name, 'package.json'), 'utf8')) as { version?: string }).version
    } catch {
      return undefined
    }
  }

/**
 * Why the tree in `dir` is not a finished export of `commit` linked to `nodeModules` (undefined
 * when it is): no marker, another commit, its kernels missing or not the ones the marker records,
 * its node_modules link missing or pointing elsewhere.
 */
export const incomplete = (dir: string, commit: string, nodeModules: string): string | undefined => {
  if (!existsSync(dir)) return 'not exported yet'
  let marker: { commit?: string; wasm?: string }
  try {
    marker = JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as typeof marker
  } catch {
    return 'an earlier export did not finish'
  }
  if (marker.commit !== commit) return `it holds commit ${String(marker.commit)}, not ${commit}`
  const generated = join(dir, GENERATED)
  if (!existsSync(generated) || !readFileSync(generated, 'utf8').includes(`inputs ${String(marker.wasm)}`)) return 'its WebAssembly kernels are missing or not the ones built'
  try {
    if (realpathSync(join(dir, 'node_modules')) !== realpathSync(nodeModules)) return "its node_modules link points at another checkout's packages"
  } catch {
    return 'its node_modules link is missing'
  }
  return undefined
}

const differingNote = (differing: ReadonlyArray<string>): string[] => (differing.length === 0 ? [] : [`installed versions differ from what it pinned: ${differing.join(', ')}`])

/** Runs a command; its output, or the reason it failed. */
const run = (cmd: string, args: ReadonlyArray<string>, cwd: string, env?: NodeJS.ProcessEnv): { readonly ok: true; readonly out: string } | { readonly ok: false; readonly why: string } => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: env ?? process.env, maxBuffer: 1 << 26 })
  if (r.error !== undefined) return { ok: false, why: r.error.message }
  if (r.status !== 0) return { ok: false, why: `${cmd} ${args.join(' ')} exited with ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}` }
  return { ok: true, out: r.stdout }
}

/**
 * Exports, links and builds the tree of `commit` (default BASELINE_COMMIT) from the history of
 * `root`, or reuses the finished one in the cache; says why not when it cannot.
 */
export const prepareBaseline = (opts: BaselineOptions): Baseline => {
  const { root, commit = BASELINE_COMMIT, git = 'git', log = () => undefined } = opts
  const skip = (reason: string): Baseline => ({ kind: 'skipped', reason })
  if (run(git, ['--version'], root).ok === false) return skip(`git is not available here (${git} --version failed): the side-by-side exports commit ${commit} from the repository's history`)
  // the checkout itself, not a repository around it (a package installed inside someone's project)
  const env = { ...process.env, GIT_CEILING_DIRECTORIES: dirname(root) }
  if (!run(git, ['rev-parse', '--git-dir'], root, env).ok)
    return skip(`${root} is not a git checkout (a package installed from a tarball has no history): clone the repository to compare with commit ${commit}`)
  const full = run(git, ['rev-parse', '--verify', '--quiet', `${commit}^{commit}`], root, env)
  if (!full.ok) return skip(`commit ${commit} is not in this checkout's history (a shallow clone?): git fetch --unshallow, then run the bench again`)
  const hash = full.out.trim()
  const nodeModules = join(root, 'node_modules')
  if (!existsSync(nodeModules)) return skip(`${root} has no node_modules to run commit ${commit} with: npm ci first`)
  const dir = join(opts.cacheDir ?? join(nodeModules, '.cache/puregrad-bench'), commit)
  const why = incomplete(dir, hash, nodeModules)
  if (why === undefined) {
    const deps = dependencyProblems(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Parameters<typeof dependencyProblems>[0], installedIn(nodeModules))
    if (deps.missing.length > 0) return skip(`commit ${commit} needs ${deps.missing.join(', ')}, not installed in ${nodeModules}`)
    return { kind: 'ready', dir, commit: hash, notes: [`reused the exported and built tree in ${dir}`, ...differingNote(deps.differing)] }
  }
  log(`exporting commit ${commit} into ${dir} (${why}) and building its WebAssembly kernels…`)
  const tmp = `${dir}.partial-${process.pid}`
  const cleanup = (reason: string): Baseline => {
    rmSync(tmp, { recursive: true, force: true })
    return skip(reason)
  }
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const tar = `${tmp}.tar`
  const archived = run(git, ['archive', '--format=tar', '-o', tar, hash], root, env)
  if (!archived.ok) return cleanup(`git archive of ${commit} failed: ${archived.why}`)
  const unpacked = run('tar', ['-xf', tar, '-C', tmp], root)
  rmSync(tar, { force: true })
  if (!unpacked.ok) return cleanup(`unpacking the tree of ${commit} failed: ${unpacked.why}`)
  symlinkSync(realpathSync(nodeModules), join(tmp, 'node_modules'), 'dir')
  const deps = dependencyProblems(JSON.parse(readFileSync(join(tmp, 'package.json'), 'utf8')) as Parameters<typeof dependencyProblems>[0], installedIn(nodeModules))
  if (deps.missing.length > 0) return cleanup(`commit ${commit} needs ${deps.missing.join(', ')}, not installed in ${nodeModules}`)
  const build = run(process.execPath, ['wasm/build.mjs'], tmp)
  if (!build.ok) return cleanup(`building the WebAssembly kernels of ${commit} failed: ${build.why}`)
  // its own build script says its kernels are built from its assembly/ sources, and its engine imports that file
  const again = run(process.execPath, ['wasm/build.mjs'], tmp)
  const digest = again.ok ? /up to date \(([0-9a-f]+)\)/.exec(again.out)?.[1] : undefined
  if (digest === undefined) return cleanup(`the WebAssembly kernels of ${commit} did not build to a stable state (wasm/build.mjs: ${again.ok ? again.out.trim() : again.why})`)
  const wasmDir = join(tmp, 'src/kernels/wasm')
  const uses = readdirSync(wasmDir).some((f) => f.endsWith('.ts') && readFileSync(join(wasmDir, f), 'utf8').includes("from './generated/modules.js'"))
  if (!uses || !readFileSync(join(tmp, GENERATED), 'utf8').includes(`inputs ${digest}`)) return cleanup(`commit ${commit}'s kernels do not load ${GENERATED} as built`)
  writeFileSync(join(tmp, MARKER), JSON.stringify({ commit: hash, wasm: digest }))
  rmSync(dir, { recursive: true, force: true })
  try {
    renameSync(tmp, dir)
  } catch (e) {
    // another run finished the same export first: use it when it is complete
    if (incomplete(dir, hash, nodeModules) !== undefined) return cleanup(`cannot move the exported tree into ${dir}: ${(e as Error).message}`)
    rmSync(tmp, { recursive: true, force: true })
  }
  return { kind: 'ready', dir, commit: hash, notes: [`exported and built into ${dir} (its kernels ${digest}, built by its own wasm/build.mjs)`, ...differingNote(deps.differing)] }
}

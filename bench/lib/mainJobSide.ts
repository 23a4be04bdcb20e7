/**
 * The pure parts of the main job's side-by-side with an older commit (bench/mainJob.ts): which
 * side runs first in each round, the medians and spread over rounds, what differs between the
 * two jobs' definitions, and the arguments of the child that trains one side
 * (bench/main-job-child.ts).
 */
import { median } from './report.js'

/** The two sides of the comparison: the code of the older commit and the current code. */
export type Side = 'old' | 'new'

/**
 * The order of the sides in each of `rounds` rounds: old first in even rounds, new first in odd
 * ones, so neither side always runs right after the other (and a drift of the machine's load
 * over the run falls on both alike).
 */
export const roundOrder = (rounds: number): ReadonlyArray<readonly [Side, Side]> => {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`roundOrder: rounds must be a whole number ≥ 1; got ${rounds}`)
  return Array.from({ length: rounds }, (_, r) => (r % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)))
}

/** A sample's median and its spread: the smallest and largest value, and (max − min) ÷ median. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  /** (max − min) ÷ median: 0.1 means the rounds lay within 10% of the median */
  readonly relative: number
}

/** The median and spread of a non-empty sample. */
export const spread = (xs: ReadonlyArray<number>): Spread => {
  if (xs.length === 0) throw new RangeError('spread: needs at least one value')
  const m = median(xs)
  const min = Math.min(...xs)
  const max = Math.max(...xs)
  return { median: m, min, max, relative: (max - min) / m }
}

/** The per-round times of both sides (ms per step, round by round, the same rounds for each). */
export interface RoundTimes {
  readonly old: ReadonlyArray<number>
  readonly new: ReadonlyArray<number>
}

/** What the rounds measured: each side's ms per step and the old ÷ new ratio, paired round by round. */
export interface RoundSummary {
  readonly old: Spread
  readonly new: Spread
  /** old ÷ new of each round (the two sides measured next to each other), its median and range */
  readonly ratio: Spread
}

/**
 * Sums up alternating rounds: the median and spread of each side's ms per step, and of the
 * speed-up old ÷ new taken round by round (each round's pair ran back to back, so a change of the
 * machine's load between rounds cancels in its ratio).
 */
export const summarizeRounds = (t: RoundTimes): RoundSummary => {
  if (t.old.length !== t.new.length) throw new RangeError(`summarizeRounds: ${t.old.length} old rounds but ${t.new.length} new ones`)
  return { old: spread(t.old), new: spread(t.new), ratio: spread(t.old.map((o, i) => o / t.new[i]!)) }
}

/** The main job as one side's child process built it (what must match for a fair comparison). */
export interface JobDefinition {
  /** the network's summary as its Net.summary prints it (shown, not compared: its format changed) */
  readonly summary: string
  /** scalars in the network's parameters */
  readonly parameters: number
  readonly optimizer: string
  readonly batchSize: number
  readonly epochs: number
  readonly trainSize: number
  readonly stepsPerEpoch: number
  /** the kernels its useWasmKernelsSync installed ('wasm' or 'js') and their threads */
  readonly kernels: string
  readonly threads: number
  /** the step compiled by Ad.jit (the tree has it and the trainer leaves it on) or run eagerly */
  readonly jit: boolean
  /** a hash of the timed batches' images and labels: equal hashes mean the same batches */
  readonly batches: string
}

/**
 * What differs between the old and the new job beyond the jit (which is what the comparison is
 * about) and the network's printed summary: one line per field, empty when the jobs are the same.
 */
export const definitionChanges = (old: JobDefinition, now: JobDefinition): string[] => {
  const fields: ReadonlyArray<readonly [keyof JobDefinition, string]> = [
    ['parameters', 'parameters'],
    ['optimizer', 'optimizer'],
    ['batchSize', 'batch size'],
    ['epochs', 'epochs'],
    ['trainSize', 'training digits'],
    ['stepsPerEpoch', 'steps an epoch'],
    ['kernels', 'kernels'],
    ['threads', 'threads'],
    ['batches', 'timed batches (hash)'],
  ]
  return fields.filter(([k]) => old[k] !== now[k]).map(([k, name]) => `${name}: ${String(old[k])} then, ${String(now[k])} now`)
}

/** What the child of one side is told: the tree whose code it runs, the batches it times, the warm-up steps. */
export interface ChildArgs {
  /** the root of the source tree to train with (its src/index.ts is imported) */
  readonly tree: string
  /** distinct batches a round cycles through */
  readonly batches: number
  /** untimed steps before the first round (tracing and compiling, first use of the kernels) */
  readonly warmup: number
}

/** Parses the child's arguments (`--tree DIR [--batches N] [--warmup N]`); an error message when they are wrong. */
export const parseChildArgs = (argv: ReadonlyArray<string>): { readonly args: ChildArgs } | { readonly error: string } => {
  const seen = new Map<string, string>()
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!
    if (!['--tree', '--batches', '--warmup'].includes(flag)) return { error: `unknown argument ${flag}; the child takes --tree DIR, --batches N, --warmup N` }
    const value = argv[i + 1]
    if (value === undefined || value.startsWith('--')) return { error: `${flag} needs a value` }
    seen.set(flag, value)
  }
  const tree = seen.get('--tree')
  if (tree === undefined) return { error: '--tree DIR is required: the root of the source tree to train with' }
  const count = (flag: string, fallback: number, least: number): number | string => {
    const v = seen.get(flag)
    if (v === undefined) return fallback
    const n = Number(v)
    return Number.isInteger(n) && n >= least ? n : `${flag} must be a whole number ≥ ${least}; got ${v}`
  }
  const batches = count('--batches', 4, 1)
  const warmup = count('--warmup', 2, 1)
  if (typeof batches === 'string') return { error: batches }
  if (typeof warmup === 'string') return { error: warmup }
  return { args: { tree, batches, warmup } }
}

/** The messages between the parent and a child (over the IPC channel of child_process.fork). */
export type ToChild = { readonly type: 'run'; readonly steps: number } | { readonly type: 'exit' }
export type FromChild =
  | { readonly type: 'ready'; readonly definition: JobDefinition }
  | {
      readonly type: 'ran'
      /** wall-clock ms of the steps, and the CPU ms of the child's process over them (all its threads) */
      readonly ms: number
      readonly cpuMs: number
      readonly steps: number
      /** the loss of the last step (finite, or the run is refused) */
      readonly loss: number
    }
  | { readonly type: 'error'; readonly message: string }

/** The main job's settings as a tree's command line (src/node/cli.ts) defaults them for `npm start`. */
export interface CliDefaults {
  readonly model: string
  readonly optimizer: string
  /** the initial learning rate of adam, the cosine decay's floor (a fraction of it), the seed */
  readonly lr: number
  readonly alpha: number
  readonly seed: number
  /** epochs of the cnn, batch size */
  readonly epochs: number
  readonly batchSize: number
  /** --kernels: wasm (one thread), threads or js */
  readonly kernels: string
}

/**
 * Reads the defaults of `npm start` from the source of a tree's src/node/cli.ts (the text of its
 * options, help and numbers), so each side trains the job its own command line would, and a change
 * of the job since the older commit shows. An error message names what it could not find.
 */
export const cliDefaults = (source: string): { readonly defaults: CliDefaults } | { readonly error: string } => {
  const find = (what: string, re: RegExp): string | undefined => re.exec(source)?.[1] ?? (missing.push(what), undefined)
  const missing: string[] = []
  const model = find('--model', /model: \{ type: 'string', default: '(\w+)' \}/)
  const optimizer = find('--optimizer', /optimizer: \{ type: 'string', default: '(\w+)' \}/)
  const kernels = find('--kernels', /kernels: \{ type: 'string', default: '(\w+)' \}/)
  const lr = find('--lr of adam', /--lr <number>.*?default: ([\d.e+-]+) for adam\b/)
  const alpha = find('the cosine decay', /cosineDecay\(lr, \{ decaySteps: steps, alpha: ([\d.e+-]+) \}\)/)
  const seed = find('--seed', /values\.seed === undefined \? (\d+)/)
  const epochs = find('--epochs of the cnn', /numberArg\('epochs', values\.epochs, modelName === 'cnn' \? (\d+)/)
  const batchSize = find('--batch-size', /numberArg\('batch-size', values\['batch-size'\], (\d+)/)
  if (missing.length > 0) return { error: `cannot read the default ${missing.join(', ')} from src/node/cli.ts (its text changed: update cliDefaults in bench/lib/mainJobSide.ts)` }
  return { defaults: { model: model!, optimizer: optimizer!, kernels: kernels!, lr: Number(lr), alpha: Number(alpha), seed: Number(seed), epochs: Number(epochs), batchSize: Number(batchSize) } }
}

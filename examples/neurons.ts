/**
 * Logic gates from single sigmoid neurons (source note 003): a neuron computes
 * sigmoid(θ₀ + θ₁x₁ + θ₂x₂). With θ = (−30, 20, 20) it is AND, with (−10, 20, 20) OR, with
 * (10, −20, −20) NOR; XNOR and XOR are two-layer compositions of them.
 *
 * Run: npx tsx examples/neurons.ts
 */
import { Tensor as T } from '../src/index.js'

/** The four inputs (x₁, x₂), one per row. */
export const inputs = T.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], 'float64')

/** One neuron per column of θ: rows of x times weights, plus bias, through a sigmoid. */
const neurons = (x: T.Tensor, bias: ReadonlyArray<number>, weights: ReadonlyArray<ReadonlyArray<number>>): T.Tensor =>
  T.sigmoid(T.add(T.matmul(x, T.tensor(weights, 'float64')), T.tensor(bias, 'float64')))

export const and = (x: T.Tensor): T.Tensor => neurons(x, [-30], [[20], [20]])
export const or = (x: T.Tensor): T.Tensor => neurons(x, [-10], [[20], [20]])
export const nor = (x: T.Tensor): T.Tensor => neurons(x, [10], [[-20], [-20]])

/** XNOR = OR(AND(x), NOR(x)): a hidden layer of two neurons and an output neuron. */
export const xnor = (x: T.Tensor): T.Tensor => or(T.concat([and(x), nor(x)], 1))
/** XOR = AND(OR(x), NAND(x)), NAND having θ = (30, −20, −20). */
export const xor = (x: T.Tensor): T.Tensor => and(T.concat([or(x), neurons(x, [30], [[-20], [-20]])], 1))

/** Each gate's outputs on the four inputs, rounded to 0/1. */
export const truthTables = (): Record<string, number[]> =>
  Object.fromEntries(
    Object.entries({ AND: and, OR: or, NOR: nor, XNOR: xnor, XOR: xor }).map(([name, gate]) => [name, T.toArray(T.round(gate(inputs)))]),
  )

export const main = (): void => {
  const tables = truthTables()
  console.log('x1 x2 | ' + Object.keys(tables).map((k) => k.padStart(4)).join(' '))
  ;(T.toNested(inputs) as number[][]).forEach(([a, b], i) => {
    console.log(` ${a}  ${b} | ` + Object.values(tables).map((col) => String(col[i]).padStart(4)).join(' '))
  })
  const want = { AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], NOR: [1, 0, 0, 0], XNOR: [1, 0, 0, 1], XOR: [0, 1, 1, 0] }
  const ok = JSON.stringify(tables) === JSON.stringify(want)
  console.log(ok ? 'all five gates compute their truth tables' : 'MISMATCH: ' + JSON.stringify(tables))
  if (!ok) process.exitCode = 1
}

if (import.meta.url === `file://${process.argv[1]}`) main()

/**
 * The tensor operations the rules are written with, re-exported by name. Rules import this
 * instead of the `tensor/` index because the two modules import each other (ops bind
 * primitives, rules use ops); named re-exports stay live through the cycle in every module
 * system, where a namespace of `export *` copied mid-load would not. @internal
 */
export { onesLike, zerosLike, zeros, cast } from '../tensor/create.js'
export {
  abs, add, cos, div, equal, exp, floor, greater, less, log, mul, neg, pow, reciprocal, round, sigmoid, sign, sin, square, sub, where,
} from '../tensor/elementwise.js'
export { gather, oneHot, scatterAdd } from '../tensor/indexing.js'
export { broadcastTo, concat, pad, reshape, slice, stack, transpose } from '../tensor/layout.js'
export { matmul } from '../tensor/matmul.js'
export { max, mean, min, sum } from '../tensor/reduce.js'

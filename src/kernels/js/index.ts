/**
 * The plain TypeScript kernels: the reference implementation of `Kernels`.
 * @internal
 */
import type { Kernels } from '../Kernels.js'
import { conv2d, conv2dBackFilter, conv2dBackInput, pool2d, pool2dBack, pool2dSelect } from './conv.js'
import { binary, unary, where } from './elementwise.js'
import { copy, gather, scatterAdd } from './layout.js'
import { matmul } from './matmul.js'
import { argReduce, reduce } from './reduce.js'

export const jsKernels: Kernels = {
  name: 'js',
  unary,
  binary,
  where,
  matmul,
  reduce,
  argReduce,
  copy,
  gather,
  scatterAdd,
  conv2d,
  conv2dBackInput,
  conv2dBackFilter,
  pool2d,
  pool2dBack,
  pool2dSelect,
}

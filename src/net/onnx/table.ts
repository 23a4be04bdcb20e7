/**
 * How each kind of layer becomes ONNX nodes, keyed by tag; the type makes the compiler refuse a
 * layer kind without a rule. @internal
 */
import type { LoweringTable } from './lowering.js'
import { lowerActivation } from './rules/activation.js'
import { lowerFanInConcat, lowerFanInSum, lowerFanOut, lowerParallel, lowerRepeat, lowerResidual, lowerSerial } from './rules/combinators.js'
import { lowerConv2d, lowerPool } from './rules/conv.js'
import { lowerDense, lowerFlatten, lowerIdentity, lowerMaxout, lowerReshape } from './rules/dense.js'
import { lowerBatchNorm, lowerDropout } from './rules/regularization.js'
import { lowerEmbedding, lowerLstm, lowerSimpleRnn } from './rules/sequence.js'

export const lowerings: LoweringTable = {
  Dense: lowerDense,
  Conv2d: lowerConv2d,
  MaxPool2d: lowerPool('MaxPool'),
  AvgPool2d: lowerPool('AveragePool'),
  Flatten: lowerFlatten,
  Reshape: lowerReshape,
  Dropout: lowerDropout,
  BatchNorm: lowerBatchNorm,
  Embedding: lowerEmbedding,
  SimpleRnn: lowerSimpleRnn,
  Lstm: lowerLstm,
  Activation: lowerActivation,
  Maxout: lowerMaxout,
  Identity: lowerIdentity,
  Serial: lowerSerial,
  Parallel: lowerParallel,
  FanOut: lowerFanOut,
  FanInSum: lowerFanInSum,
  FanInConcat: lowerFanInConcat,
  Residual: lowerResidual,
  Repeat: lowerRepeat,
}

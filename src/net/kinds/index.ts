/**
 * The built-in layer kinds, one file each. Everything keyed by tag is read off this list: the
 * `Layer` union (the records of these kinds), the interpreters' dispatch (`kindOf`), the fields
 * validation expects, and the ONNX lowerings. Adding a kind is its file, one line here, and
 * its tests. The `satisfies` clause makes the compiler refuse a built-in kind without an ONNX
 * lowering.
 * @internal
 */
import { fail } from '../../core/errors.js'
import { builtinTags, checkLayer } from '../check.js'
import { type Kind, type Lowering, kindLink } from '../Kind.js'
import type { BuiltinLayer, Layer } from '../Layer.js'
import { activationKind } from './activation.js'
import { batchNormKind } from './batchNorm.js'
import { conv1dKind } from './conv1d.js'
import { conv2dKind } from './conv2d.js'
import { conv2dTransposeKind } from './conv2dTranspose.js'
import { depthwiseConv2dKind } from './depthwiseConv2d.js'
import { denseKind } from './dense.js'
import { dropoutKind } from './dropout.js'
import { embeddingKind } from './embedding.js'
import { fanInConcatKind } from './fanInConcat.js'
import { fanInSumKind } from './fanInSum.js'
import { fanOutKind } from './fanOut.js'
import { flattenKind } from './flatten.js'
import { globalAvgPoolKind, globalMaxPoolKind } from './globalPool.js'
import { groupNormKind } from './groupNorm.js'
import { identityKind } from './identity.js'
import { layerNormKind } from './layerNorm.js'
import { lstmKind } from './lstm.js'
import { maxoutKind } from './maxout.js'
import { multiHeadAttentionKind } from './multiHeadAttention.js'
import { parallelKind } from './parallel.js'
import { avgPool2dKind, maxPool2dKind } from './pool2d.js'
import { positionalEmbeddingKind } from './positionalEmbedding.js'
import { repeatKind } from './repeat.js'
import { reshapeKind } from './reshape.js'
import { residualKind } from './residual.js'
import { serialKind } from './serial.js'
import { simpleRnnKind } from './simpleRnn.js'
import { sinusoidalEncodingKind } from './sinusoidalEncoding.js'
import { upsampling2dKind } from './upsampling2d.js'

export const builtinKinds = [
  denseKind,
  conv2dKind,
  maxPool2dKind,
  avgPool2dKind,
  conv1dKind,
  conv2dTransposeKind,
  depthwiseConv2dKind,
  upsampling2dKind,
  globalAvgPoolKind,
  globalMaxPoolKind,
  flattenKind,
  reshapeKind,
  dropoutKind,
  batchNormKind,
  layerNormKind,
  groupNormKind,
  embeddingKind,
  simpleRnnKind,
  lstmKind,
  multiHeadAttentionKind,
  positionalEmbeddingKind,
  sinusoidalEncodingKind,
  activationKind,
  maxoutKind,
  identityKind,
  serialKind,
  parallelKind,
  fanOutKind,
  fanInSumKind,
  fanInConcatKind,
  residualKind,
  repeatKind,
] as const satisfies ReadonlyArray<{ readonly tag: string; readonly lower: Lowering<never> }>

/** The record type of a kind. */
type RecordOf<K> = K extends { readonly check: (l: infer L) => unknown } ? L : never

/** The records of the listed kinds. */
type Listed = RecordOf<(typeof builtinKinds)[number]>

/**
 * The kind files register their records in `BuiltinLayers` (which makes the `Layer` union);
 * this fails to compile unless the registered records are exactly those of the listed kinds.
 */
export const listed: [BuiltinLayer] extends [Listed] ? ([Listed] extends [BuiltinLayer] ? true : never) : never = true

/** The built-in kinds by tag. */
export const builtins: ReadonlyMap<string, Kind<Layer>> = new Map(builtinKinds.map((k) => [k.tag, k as unknown as Kind<Layer>]))
for (const k of builtinKinds) builtinTags.add(k.tag)

/** The kind a user's layer record links to (see `kindLink`), if any. */
export const linkedKind = (u: object): Kind<Layer> | undefined => (u as { readonly [kindLink]?: Kind<Layer> })[kindLink]

/** The behaviour of a layer: its built-in kind, or the kind its record links to. */
export const kindOf = (l: Layer): Kind<Layer> =>
  builtins.get(l._tag) ??
  linkedKind(l) ??
  fail(
    'INVALID_ARGUMENT',
    String(l._tag),
    `${JSON.stringify(l._tag)} is not a layer kind: build networks with the Net constructors, or define a layer of your own with Net.defineLayer and build it with the constructor it returns.`,
  )

/**
 * `u` when it is a layer as the constructors build it; otherwise INVALID_ARGUMENT naming it (`at`,
 * e.g. `layer 2.body`): a value that is not a layer, or a hand-made record with a missing or bad
 * field (the kind's own hyperparameter check). Checks one record, not its children. @internal
 */
export const checkBuilt = (op: string, u: unknown, at: string): Layer => {
  const layer = checkLayer(op, u, at)
  const problems = kindOf(layer).check(layer)
  if (problems.length > 0) {
    fail('INVALID_ARGUMENT', op, `${at} is a malformed ${layer._tag} record (${problems.join('; ')}); build layers with the Net constructors, e.g. Net.dense(10), which check their hyperparameters.`)
  }
  return layer
}

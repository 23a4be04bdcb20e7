/**
 * Export of any jitted function to ONNX: the function traced at example arguments, its
 * program lowered equation by equation (lowerOnnx.ts), for runtimes such as onnxruntime.
 * @internal
 */
import type { DType } from '../../core/dtype.js'
import { checkFunction, describe, fail } from '../../core/errors.js'
import { checkOptions } from '../../core/options.js'
import { GraphBuilder } from '../../onnx/graph.js'
import { checkOpset, irVersion } from '../../onnx/model.js'
import { DataType, type ModelMsg, type ValueInfoMsg, encodeModel } from '../../onnx/schema.js'
import type { Aval } from '../../prims/shapes.js'
import { flatten, leafPaths, rebuild } from './args.js'
import { checkResult } from './index.js'
import { type Session, lowerProgram } from './lowerOnnx.js'
import { optimize } from './optimize.js'
import { trace } from './trace.js'

/** Options of `Ad.toOnnx`. */
export interface FunctionOnnxOptions {
  /** name of the ONNX graph, default `'puregrad'` */
  readonly graphName?: string
  /** ONNX opset version, from 13 (the default) to 21; the gradient of max pooling needs 16 or newer */
  readonly opset?: number
  /** the model's doc string, default a line naming the function */
  readonly docString?: string
  /**
   * how float64 values are written: as ONNX doubles (`'float64'`, the default), or rounded to
   * float32 (`'float32'`) for runtimes whose operators lack double kernels (onnxruntime's
   * convolutions, pooling, erf and softplus among them)
   */
  readonly float64As?: 'float64' | 'float32'
}

const OP = 'toOnnx'

const showAval = (a: Aval): string => `${a.dtype}[${a.shape.join(', ')}]`

/**
 * The function, traced at the example arguments, as an ONNX model (the bytes of an `.onnx`
 * file) computing what it computes on arguments of the same shapes and dtypes. The function is
 * staged as `Ad.jit` stages it (so it may use `grad`, `vmap`, nested `jit` and custom rules,
 * whose functions are exported), then every primitive is written as ONNX operators: constants
 * become initialisers, NHWC images are transposed to ONNX's NCHW around convolutions and
 * pooling (and back), comparisons give 1 or 0 in their input's dtype as in puregrad.
 *
 * The graph's inputs are the tensor leaves of the arguments in order, named by their path:
 * `input` for a single tensor argument, `input.W` for field W of a single record argument,
 * `input.0`, `input.1.b`, … when there are several arguments; its outputs are the tensor
 * leaves of the result, named `output`, `output.0`, `output.loss`, … the same way. Other
 * arguments (numbers, strings, …) are static: their values at export time are built in. All
 * sizes are fixed (those of the example arguments), and every tensor needs at least one
 * element. Out-of-range indices, which puregrad refuses, are not checked by the model.
 *
 * Nothing is written to disk; the same function, arguments and options give the same bytes.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Ad, Tensor as T } from 'puregrad'
 * const predict = (p: { W: T.Tensor; b: T.Tensor }, x: T.Tensor) => T.softmax(T.add(T.matmul(x, p.W), p.b), -1)
 * const p = { W: T.ones([4, 3]), b: T.zeros([3]) }
 * const bytes = Ad.toOnnx(predict, { graphName: 'classifier' })(p, T.ones([2, 4])) // inputs input.0.W, input.0.b, input.1
 * assert.ok(bytes instanceof Uint8Array && bytes.length > 0)
 * // the gradient of a loss, exported the same way
 * const loss = (q: { W: T.Tensor; b: T.Tensor }, x: T.Tensor) => T.mean(T.square(predict(q, x)))
 * assert.ok(Ad.toOnnx(Ad.grad(loss))(p, T.ones([2, 4])).length > bytes.length)
 * @category transformations
 */
export const toOnnx =
  <A extends ReadonlyArray<unknown>>(f: (...args: A) => unknown, opts: FunctionOnnxOptions = {}) =>
  (...args: A): Uint8Array => {
    checkFunction(OP, 'the function to export (argument 1)', f)
    checkOptions(OP, opts, ['graphName', 'opset', 'docString', 'float64As'])
    const opset = checkOpset(OP, opts.opset)
    const graphName = opts.graphName ?? 'puregrad'
    if (typeof graphName !== 'string' || graphName === '') fail('INVALID_ARGUMENT', OP, `graphName is ${describe(graphName)}; pass a non-empty string.`)
    if (opts.docString !== undefined && typeof opts.docString !== 'string') fail('INVALID_ARGUMENT', OP, `docString is ${describe(opts.docString)}; pass a string.`)
    const float64As = opts.float64As ?? 'float64'
    if (float64As !== 'float64' && float64As !== 'float32') fail('INVALID_ARGUMENT', OP, `float64As is ${describe(float64As)}; pass 'float64' (ONNX doubles) or 'float32'.`)

    // keys stay static: their draws are built into the model
    const { leaves } = flatten(OP, args, false)
    const [raw, result] = trace(OP, leaves, (xs) => {
      const r = f(...(rebuild(args, xs, false) as unknown as A))
      checkResult(OP, r, 'the result')
      return [flatten(OP, r, false).leaves, r]
    })
    const program = optimize(raw)
    if (program.outputs.length === 0) fail('INVALID_VALUE', OP, 'the function returns no tensor, so the model would have no output; return the tensors to export.')
    const empty = program.avals.find((a) => a.shape.includes(0))
    if (empty !== undefined) fail('INVALID_SHAPE', OP, `the program holds a tensor ${showAval(empty)} with no elements; ONNX export needs every tensor to have at least one element: export with arguments of real sizes.`)

    const g = new GraphBuilder()
    const elem = (d: DType): number => (d === 'int32' ? DataType.INT32 : d === 'float64' && float64As === 'float64' ? DataType.DOUBLE : DataType.FLOAT)
    const session: Session = { g, opset, elem, known: new Map(), transposed: new Map() }
    const inNames = leafPaths(args.length === 1 ? args[0] : args, 'input').map((n) => g.reserve(n))
    const outValues = lowerProgram(session, program, inNames)

    const info = (name: string, a: Aval): ValueInfoMsg => ({ name, type: { tensorType: { elemType: elem(a.dtype), shape: { dim: a.shape.map((d) => ({ dimValue: d })) } } } })
    const outNames = leafPaths(result, 'output')
    const renamed = new Map<string, string>()
    const outputs = outNames.map((path, i) => {
      const name = g.reserve(path)
      const value = outValues[i]!
      if (g.computes(value) && !renamed.has(value)) {
        g.rename(value, name)
        renamed.set(value, name)
      } else g.node('output', 'Identity', [renamed.get(value) ?? value], { names: [name] })
      return info(name, program.avals[program.outputs[i]!]!)
    })
    const model: ModelMsg = {
      irVersion: irVersion(opset),
      producerName: 'puregrad',
      producerVersion: '0.1.0',
      docString: opts.docString ?? `${f.name === '' ? 'a function' : f.name} exported by puregrad (Ad.toOnnx); inputs ${program.inputs.map((v) => showAval(program.avals[v]!)).join(', ')}.`,
      graph: { name: graphName, node: g.nodes, initializer: g.initializers, input: program.inputs.map((v, i) => info(inNames[i]!, program.avals[v]!)), output: outputs },
      opsetImport: [{ domain: '', version: opset }],
    }
    return encodeModel(model)
  }

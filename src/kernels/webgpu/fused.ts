/**
 * The WGSL kernel of a fused elementwise group of a jitted program: one invocation per output
 * element reads each input once (through its broadcast strides, as the binary kernel does),
 * computes the group's unary, binary and `where` operations in registers and writes one output,
 * instead of one kernel and one buffer per operation. Each operation is the expression of its own
 * kernel (wgsl.ts), NaN passing through the maps as there, so a fused group computes what its
 * operations compute one by one; a GPU compiler may contract a product and a sum into one fused
 * multiply-add across what were two kernels, a difference in the last bit.
 * @internal
 */
import type { BinaryOp, UnaryOp } from '../Kernels.js'
import { binaryExpr, header, helpers, main1d, stridedOffsets, unaryExpr } from './wgsl.js'

/** One operation of a group: its arguments index the inputs (0 … inputs − 1), then the operations before it. */
export interface FusedOp {
  readonly prim: UnaryOp | BinaryOp | 'where'
  readonly args: ReadonlyArray<number>
}

const isUnary = (p: FusedOp['prim']): p is UnaryOp => p in unaryExpr
const keepsNaN = (op: UnaryOp): boolean => op !== 'isFinite' && op !== 'isNaN'

/** The kernel of `ops` over `inputs` float32 operands. meta as the binary kernel's: [n, rank, shape…, per input: offset, strides…]. */
export const fusedShader = (inputs: number, ops: ReadonlyArray<FusedOp>): string => {
  const used = [...new Set(ops.map((o) => o.prim))].filter((p) => p !== 'where')
  const fns = used.map((p) =>
    isUnary(p)
      ? `fn u_${p}(v: f32) -> f32 { return ${keepsNaN(p) ? `select(${unaryExpr[p]}, v, is_nan(v))` : unaryExpr[p]}; }`
      : `fn b_${p}(a: f32, b: f32) -> f32 { return ${binaryExpr[p as BinaryOp]}; }`,
  )
  const name = (k: number): string => (k < inputs ? `v${k}` : `t${k - inputs}`)
  const body = ops.map((o, m) => {
    const a = o.args.map(name)
    const expr = o.prim === 'where' ? `select(${a[2]}, ${a[1]}, ${a[0]} != 0.0)` : isUnary(o.prim) ? `u_${o.prim}(${a[0]})` : `b_${o.prim}(${a[0]}, ${a[1]})`
    return `  let t${m} = ${expr};`
  })
  const bindings = [...Array.from({ length: inputs }, (_, k) => `var<storage, read> x${k}: array<f32>`), 'var<storage, read_write> out: array<f32>']
  return `${header(bindings)}
${helpers}
${fns.join('\n')}
${main1d(`  if (i >= info[0]) { return; }
${stridedOffsets(inputs)}
${Array.from({ length: inputs }, (_, k) => `  let v${k} = x${k}[off[${k}]];`).join('\n')}
${body.join('\n')}
  out[i] = t${ops.length - 1};`)}`
}

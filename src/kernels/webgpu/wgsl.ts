/**
 * The WGSL kernels. Every shader reads its sizes, shapes and strides from binding 0, a u32 array
 * (`meta`), so one compiled pipeline serves every shape; float parameters travel in it as bits.
 * One-dimensional kernels run 64 invocations per workgroup over a grid that may be two
 * dimensional (a dimension holds at most 65535 workgroups): element i = x + y · (groups in x) · 64.
 *
 * Results follow the TypeScript kernels (`kernels/js`): NaN propagates through every map and
 * through max/min, `sign` and `round` keep ±0, `round` rounds half away from zero. Float32
 * arithmetic on the GPU may differ from them in the last bits; the browser test states the
 * tolerance of each op.
 * @internal
 */
import type { BinaryOp, ReduceOp, UnaryOp } from '../Kernels.js'

/** Number of invocations per workgroup of the one-dimensional kernels. */
export const WG = 64

const header = (bindings: ReadonlyArray<string>): string =>
  ['@group(0) @binding(0) var<storage, read> info: array<u32>;', ...bindings.map((b, i) => `@group(0) @binding(${i + 1}) ${b};`)].join('\n')

const helpers = `
// runtime values: a constant expression may not hold NaN or infinity
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan_f() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf_f() -> f32 { return bitcast<f32>(INF_BITS); }
fn is_nan(v: f32) -> bool { let b = bitcast<u32>(v); return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0u; }
fn is_finite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u; }
// e^x − 1 without cancellation near 0 (Kahan: u = e^x; (u − 1) · x / log u)
fn expm1_(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  if (!is_finite(u)) { return u; }
  return um1 * x / log(u);
}
// log(1 + x) without cancellation near 0 (Goldberg: u = 1 + x; log(u) · x / (u − 1))
fn log1p_(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (!is_finite(u)) { return log(u); }
  return log(u) * x / (u - 1.0);
}
fn sigmoid_(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}
fn tanh_(v: f32) -> f32 {
  let m = expm1_(-2.0 * abs(v));
  let t = -m / (m + 2.0);
  return select(t, -t, v < 0.0);
}
// Abramowitz & Stegun 7.1.26: absolute error below 1.5e-7
fn erf_(v: f32) -> f32 {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, v < 0.0);
}
fn round_(v: f32) -> f32 {
  let a = abs(v);
  let f = floor(a);
  let r = select(f, f + 1.0, a - f >= 0.5);
  return select(r, -r, v < 0.0 || (v == 0.0 && (bitcast<u32>(v) & 0x80000000u) != 0u));
}
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return nan_f(); }
  if (a == 0.0) { return select(inf_f(), 0.0, b > 0.0); }
  let m = exp2(b * log2(abs(a)));
  if (a > 0.0) { return m; }
  if (floor(b) != b) { return nan_f(); }
  return select(m, -m, floor(b * 0.5) * 2.0 != b);
}
`

/** Each unary op's value on v (its NaN passes through untouched, except for the two predicates). */
const unaryExpr: { readonly [P in UnaryOp]: string } = {
  neg: '-v', abs: 'abs(v)', sign: 'select(select(v, -1.0, v < 0.0), 1.0, v > 0.0)', exp: 'exp(v)', expm1: 'expm1_(v)',
  log: 'log(v)', log1p: 'log1p_(v)', sqrt: 'sqrt(v)', rsqrt: '1.0 / sqrt(v)', square: 'v * v', reciprocal: '1.0 / v',
  sin: 'sin(v)', cos: 'cos(v)', tanh: 'tanh_(v)', sigmoid: 'sigmoid_(v)', relu: 'max(v, 0.0)',
  softplus: 'max(v, 0.0) + log1p_(exp(-abs(v)))', erf: 'erf_(v)', floor: 'floor(v)', ceil: 'ceil(v)', round: 'round_(v)',
  isFinite: 'select(0.0, 1.0, is_finite(v))', isNaN: 'select(0.0, 1.0, is_nan(v))',
}

const binaryExpr: { readonly [P in BinaryOp]: string } = {
  add: 'a + b', sub: 'a - b', mul: 'a * b', div: 'a / b', pow: 'pow_(a, b)',
  maximum: 'select(max(a, b), nan_f(), is_nan(a) || is_nan(b))', minimum: 'select(min(a, b), nan_f(), is_nan(a) || is_nan(b))',
  atan2: 'atan2(a, b)', equal: 'select(0.0, 1.0, a == b)', notEqual: 'select(0.0, 1.0, a != b)', less: 'select(0.0, 1.0, a < b)',
  lessEqual: 'select(0.0, 1.0, a <= b)', greater: 'select(0.0, 1.0, a > b)', greaterEqual: 'select(0.0, 1.0, a >= b)',
}

const main1d = (body: string): string => `
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
${body}
}`

/** meta: [n] */
export const unaryShader = (op: UnaryOp): string => {
  const keepNaN = op !== 'isFinite' && op !== 'isNaN'
  return `${header(['var<storage, read> x: array<f32>', 'var<storage, read_write> out: array<f32>'])}
${helpers}
fn f(v: f32) -> f32 { return ${unaryExpr[op]}; }
${main1d(`  if (i >= info[0]) { return; }
  let v = x[i];
  out[i] = ${keepNaN ? 'select(f(v), v, is_nan(v))' : 'f(v)'};`)}`
}

/**
 * The offsets of operands read through strides at output element i. meta: [n, rank, shape…,
 * then per operand: offset, strides…]; `k` operands.
 */
const stridedOffsets = (k: number): string => `
  let rank = info[1];
  var rem = i;
  var off: array<u32, ${k}>;
  for (var j = 0u; j < ${k}u; j++) { off[j] = info[2u + rank + j * (rank + 1u)]; }
  for (var d = rank; d > 0u; d--) {
    let size = info[1u + d];
    let c = rem % size;
    rem = rem / size;
    for (var j = 0u; j < ${k}u; j++) { off[j] += c * info[2u + rank + j * (rank + 1u) + d]; }
  }`

/** meta: [n, rank, shape, aOffset, aStrides, bOffset, bStrides] */
export const binaryShader = (op: BinaryOp): string => `${header(['var<storage, read> x: array<f32>', 'var<storage, read> y: array<f32>', 'var<storage, read_write> out: array<f32>'])}
${helpers}
fn f(a: f32, b: f32) -> f32 { return ${binaryExpr[op]}; }
${main1d(`  if (i >= info[0]) { return; }
${stridedOffsets(2)}
  out[i] = f(x[off[0]], y[off[1]]);`)}`

/** out = c ≠ 0 ? a : b. meta as binary's, with three operands. */
export const whereShader = (): string => `${header(['var<storage, read> c: array<f32>', 'var<storage, read> x: array<f32>', 'var<storage, read> y: array<f32>', 'var<storage, read_write> out: array<f32>'])}
${main1d(`  if (i >= info[0]) { return; }
${stridedOffsets(3)}
  out[i] = select(y[off[2]], x[off[1]], c[off[0]] != 0.0);`)}`

/** dst[dstOffset + Σ iₖ·dstStridesₖ] = src[srcOffset + Σ iₖ·srcStridesₖ]. meta as binary's: [n, rank, shape, src…, dst…] */
export const copyShader = (): string => `${header(['var<storage, read> src: array<f32>', 'var<storage, read_write> dst: array<f32>'])}
${main1d(`  if (i >= info[0]) { return; }
${stridedOffsets(2)}
  dst[off[1]] = src[off[0]];`)}`

/** out[i] = value. meta: [n, bits of value] */
export const fillShader = (): string => `${header(['var<storage, read_write> out: array<f32>'])}
${main1d(`  if (i >= info[0]) { return; }
  out[i] = bitcast<f32>(info[1]);`)}`

/** Cells of at most this many elements are reduced by one invocation each, in order. */
export const SHORT_REDUCTION = 16

/**
 * Reduces the cells of x. Long cells (more than SHORT_REDUCTION elements) get one workgroup
 * each: its invocations stride over the cell, then combine their partial results in workgroup
 * memory. Short ones get one invocation each (many workgroups of barriers for a few elements
 * each cost far more). meta: [cells, count, keptRank, reducedRank, keptShape…, keptStrides…,
 * reducedShape…, reducedStrides…] (the input strides of each axis).
 */
export const reduceShader = (op: ReduceOp, short: boolean): string => {
  const init = op === 'max' ? '-inf_f()' : op === 'min' ? 'inf_f()' : '0.0'
  const combine =
    op === 'max' ? 'select(max(a, b), nan_f(), is_nan(a) || is_nan(b))' : op === 'min' ? 'select(min(a, b), nan_f(), is_nan(a) || is_nan(b))' : 'a + b'
  const result = (v: string): string => (op === 'mean' ? `${v} / f32(count)` : v)
  const common = `${header(['var<storage, read> x: array<f32>', 'var<storage, read_write> out: array<f32>'])}
${helpers}
fn combine(a: f32, b: f32) -> f32 { return ${combine}; }
fn axisOffset(index: u32, rank: u32, shapeAt: u32, stridesAt: u32) -> u32 {
  var rem = index;
  var off = 0u;
  for (var d = rank; d > 0u; d--) {
    let size = info[shapeAt + d - 1u];
    off += (rem % size) * info[stridesAt + d - 1u];
    rem = rem / size;
  }
  return off;
}`
  if (short) {
    return `${common}
${main1d(`  let count = info[1];
  let kr = info[2];
  let rr = info[3];
  if (i >= info[0]) { return; }
  let base = axisOffset(i, kr, 4u, 4u + kr);
  var acc = ${init};
  for (var r = 0u; r < count; r++) { acc = combine(acc, x[base + axisOffset(r, rr, 4u + 2u * kr, 4u + 2u * kr + rr)]); }
  out[i] = ${result('acc')};`)}`
  }
  return `${common}
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let cell = wid.x + wid.y * nwg.x;
  let cells = info[0];
  let count = info[1];
  let kr = info[2];
  let rr = info[3];
  var acc = ${init};
  if (cell < cells) {
    let base = axisOffset(cell, kr, 4u, 4u + kr);
    for (var r = t; r < count; r += ${WG}u) {
      acc = combine(acc, x[base + axisOffset(r, rr, 4u + 2u * kr, 4u + 2u * kr + rr)]);
    }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { part[t] = combine(part[t], part[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u && cell < cells) { out[cell] = ${result('part[0]')}; }
}`
}

/** Side of the square tiles of the matrix product (each invocation computes one output). */
export const TILE = 16

/**
 * Batched matrix product over tiles kept in workgroup memory; workgroup (x, y, z) computes the
 * tile at column x, row y of matrix z. meta: [m, n, k, transA, transB, aBatchStride, bBatchStride]
 */
export const matmulShader = (): string => `${header(['var<storage, read> a: array<f32>', 'var<storage, read> b: array<f32>', 'var<storage, read_write> out: array<f32>'])}
var<workgroup> ta: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<f32, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m = info[0];
  let n = info[1];
  let k = info[2];
  let transA = info[3] != 0u;
  let transB = info[4] != 0u;
  let aBase = wid.z * info[5];
  let bBase = wid.z * info[6];
  let row = wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  var acc = 0.0;
  for (var k0 = 0u; k0 < k; k0 += ${TILE}u) {
    // a[row, k0 + lid.x] and b[k0 + lid.y, col], zero outside the matrices
    let ak = k0 + lid.x;
    var av = 0.0;
    if (row < m && ak < k) { av = a[aBase + select(row * k + ak, ak * m + row, transA)]; }
    ta[lid.y][lid.x] = av;
    let bk = k0 + lid.y;
    var bv = 0.0;
    if (bk < k && col < n) { bv = b[bBase + select(bk * n + col, col * k + bk, transB)]; }
    tb[lid.y][lid.x] = bv;
    workgroupBarrier();
    for (var j = 0u; j < ${TILE}u; j++) { acc += ta[lid.y][j] * tb[j][lid.x]; }
    workgroupBarrier();
  }
  if (row < m && col < n) { out[wid.z * m * n + row * n + col] = acc; }
}`

/** out[o, j, i] = x[o, idx[j], i]. meta: [outer, axisSize, inner, count of indices] */
export const gatherShader = (): string => `${header(['var<storage, read> x: array<f32>', 'var<storage, read> idx: array<i32>', 'var<storage, read_write> out: array<f32>'])}
${main1d(`  let inner = info[2];
  let m = info[3];
  if (i >= info[0] * m * inner) { return; }
  let c = i % inner;
  let j = (i / inner) % m;
  let o = i / (inner * m);
  out[i] = x[(o * info[1] + u32(idx[j])) * inner + c];`)}`

/**
 * The adjoint of gather without atomics: each output element sums the rows that land on it,
 * listed by the host in index order (rows of position r are list[start[r] .. start[r + 1]]), so
 * the additions run in the TypeScript kernel's order. meta: [outer, axisSize, inner, count of indices]
 */
export const scatterAddShader = (): string => `${header(['var<storage, read> u: array<f32>', 'var<storage, read> start: array<u32>', 'var<storage, read> list: array<u32>', 'var<storage, read_write> out: array<f32>'])}
${main1d(`  let n = info[1];
  let inner = info[2];
  let m = info[3];
  if (i >= info[0] * n * inner) { return; }
  let c = i % inner;
  let r = (i / inner) % n;
  let o = i / (inner * n);
  var acc = 0.0;
  for (var p = start[r]; p < start[r + 1u]; p++) { acc += u[(o * m + list[p]) * inner + c]; }
  out[i] = acc;`)}`

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

export const header = (bindings: ReadonlyArray<string>): string =>
  ['@group(0) @binding(0) var<storage, read> info: array<u32>;', ...bindings.map((b, i) => `@group(0) @binding(${i + 1}) ${b};`)].join('\n')

export const helpers = `
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
export const unaryExpr: { readonly [P in UnaryOp]: string } = {
  neg: '-v', abs: 'abs(v)', sign: 'select(select(v, -1.0, v < 0.0), 1.0, v > 0.0)', exp: 'exp(v)', expm1: 'expm1_(v)',
  log: 'log(v)', log1p: 'log1p_(v)', sqrt: 'sqrt(v)', rsqrt: '1.0 / sqrt(v)', square: 'v * v', reciprocal: '1.0 / v',
  sin: 'sin(v)', cos: 'cos(v)', tanh: 'tanh_(v)', sigmoid: 'sigmoid_(v)', relu: 'max(v, 0.0)',
  softplus: 'max(v, 0.0) + log1p_(exp(-abs(v)))', erf: 'erf_(v)', floor: 'floor(v)', ceil: 'ceil(v)', round: 'round_(v)',
  isFinite: 'select(0.0, 1.0, is_finite(v))', isNaN: 'select(0.0, 1.0, is_nan(v))',
}

export const binaryExpr: { readonly [P in BinaryOp]: string } = {
  add: 'a + b', sub: 'a - b', mul: 'a * b', div: 'a / b', pow: 'pow_(a, b)',
  maximum: 'select(max(a, b), nan_f(), is_nan(a) || is_nan(b))', minimum: 'select(min(a, b), nan_f(), is_nan(a) || is_nan(b))',
  atan2: 'atan2(a, b)', equal: 'select(0.0, 1.0, a == b)', notEqual: 'select(0.0, 1.0, a != b)', less: 'select(0.0, 1.0, a < b)',
  lessEqual: 'select(0.0, 1.0, a <= b)', greater: 'select(0.0, 1.0, a > b)', greaterEqual: 'select(0.0, 1.0, a >= b)',
}

export const main1d = (body: string): string => `
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
export const stridedOffsets = (k: number): string => `
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

/** out = c ≠ 0 ? a : b, the branches copied as bits (float32 or int32); `intCondition` for an int32 c. meta as binary's, with three operands. */
export const whereShader = (intCondition = false): string => `${header([`var<storage, read> c: array<${intCondition ? 'i32' : 'f32'}>`, 'var<storage, read> x: array<u32>', 'var<storage, read> y: array<u32>', 'var<storage, read_write> out: array<u32>'])}
${main1d(`  if (i >= info[0]) { return; }
${stridedOffsets(3)}
  out[i] = select(y[off[2]], x[off[1]], c[off[0]] != ${intCondition ? '0' : '0.0'});`)}`

/** The int32 binary ops the GPU computes (exactly): comparisons, maximum and minimum. */
export const INT_BINARY: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['maximum', 'minimum', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'])

const intBinaryExpr: { readonly [P in BinaryOp]?: string } = {
  maximum: 'max(a, b)', minimum: 'min(a, b)', equal: 'select(0, 1, a == b)', notEqual: 'select(0, 1, a != b)', less: 'select(0, 1, a < b)',
  lessEqual: 'select(0, 1, a <= b)', greater: 'select(0, 1, a > b)', greaterEqual: 'select(0, 1, a >= b)',
}

/** An op of INT_BINARY on int32 operands, to an int32 result. meta as binary's. */
export const intBinaryShader = (op: BinaryOp): string => `${header(['var<storage, read> x: array<i32>', 'var<storage, read> y: array<i32>', 'var<storage, read_write> out: array<i32>'])}
fn f(a: i32, b: i32) -> i32 { return ${intBinaryExpr[op]!}; }
${main1d(`  if (i >= info[0]) { return; }
${stridedOffsets(2)}
  out[i] = f(x[off[0]], y[off[1]]);`)}`

/** out = f32(x) for int32 x (exact below 2^24, rounded to nearest above, as the CPU's cast). meta: [n] */
export const intToFloatShader = (): string => `${header(['var<storage, read> x: array<i32>', 'var<storage, read_write> out: array<f32>'])}
${main1d(`  if (i >= info[0]) { return; }
  out[i] = f32(x[i]);`)}`

/** dst[dstOffset + Σ iₖ·dstStridesₖ] = src[srcOffset + Σ iₖ·srcStridesₖ], as bits (any 4-byte dtype). meta as binary's: [n, rank, shape, src…, dst…] */
export const copyShader = (): string => `${header(['var<storage, read> src: array<u32>', 'var<storage, read_write> dst: array<u32>'])}
${main1d(`  if (i >= info[0]) { return; }
${stridedOffsets(2)}
  dst[off[1]] = src[off[0]];`)}`

/** out[i] = value, as bits. meta: [n, bits of value] */
export const fillShader = (): string => `${header(['var<storage, read_write> out: array<u32>'])}
${main1d(`  if (i >= info[0]) { return; }
  out[i] = info[1];`)}`

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

/** Side of the square output tiles of the matrix product (one workgroup each). */
export const TILE = 32
/** Depth of the slices of a and b a workgroup holds in its memory at once. */
const DEPTH = 16
/** Side of the block of outputs each invocation computes (TILE / 8: 8 × 8 invocations a workgroup). */
const BLOCK = 4

/**
 * Batched matrix product, register-tiled: workgroup (x, y, z) computes the 32 × 32 tile at column
 * x, row y of matrix z with 8 × 8 invocations of 4 × 4 outputs each, over slices of 16 along k that
 * its 64 invocations load together into workgroup memory (each value of a and b read from memory
 * once per tile, each slice shared by 16 products an invocation). Every output sums its k terms in
 * order, as the one-output-per-invocation kernel did. meta: [m, n, k, transA, transB, aBatchStride, bBatchStride]
 */
export const matmulShader = (): string => `${header(['var<storage, read> a: array<f32>', 'var<storage, read> b: array<f32>', 'var<storage, read_write> out: array<f32>'])}
var<workgroup> ta: array<array<f32, ${DEPTH}>, ${TILE}>;
var<workgroup> tb: array<array<f32, ${TILE}>, ${DEPTH}>;
@compute @workgroup_size(${TILE / BLOCK}, ${TILE / BLOCK})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let m = info[0];
  let n = info[1];
  let k = info[2];
  let transA = info[3] != 0u;
  let transB = info[4] != 0u;
  let aBase = wid.z * info[5];
  let bBase = wid.z * info[6];
  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  var acc: array<array<f32, ${BLOCK}>, ${BLOCK}>;
  for (var k0 = 0u; k0 < k; k0 += ${DEPTH}u) {
    // the slices a[row0 .., k0 ..] and b[k0 .., col0 ..], zero outside the matrices
    for (var e = 0u; e < ${(TILE * DEPTH) / 64}u; e++) {
      let ia = t + e * 64u;
      let ar = row0 + ia / ${DEPTH}u;
      let ak = k0 + ia % ${DEPTH}u;
      var av = 0.0;
      if (ar < m && ak < k) { av = a[aBase + select(ar * k + ak, ak * m + ar, transA)]; }
      ta[ia / ${DEPTH}u][ia % ${DEPTH}u] = av;
      let bk = k0 + ia / ${TILE}u;
      let bc = col0 + ia % ${TILE}u;
      var bv = 0.0;
      if (bk < k && bc < n) { bv = b[bBase + select(bk * n + bc, bc * k + bk, transB)]; }
      tb[ia / ${TILE}u][ia % ${TILE}u] = bv;
    }
    workgroupBarrier();
    for (var j = 0u; j < ${DEPTH}u; j++) {
      var ar: array<f32, ${BLOCK}>;
      var bc: array<f32, ${BLOCK}>;
      for (var r = 0u; r < ${BLOCK}u; r++) { ar[r] = ta[lid.y * ${BLOCK}u + r][j]; }
      for (var c = 0u; c < ${BLOCK}u; c++) { bc[c] = tb[j][lid.x * ${BLOCK}u + c]; }
      for (var r = 0u; r < ${BLOCK}u; r++) {
        for (var c = 0u; c < ${BLOCK}u; c++) { acc[r][c] += ar[r] * bc[c]; }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < ${BLOCK}u; r++) {
    let row = row0 + lid.y * ${BLOCK}u + r;
    for (var c = 0u; c < ${BLOCK}u; c++) {
      let col = col0 + lid.x * ${BLOCK}u + c;
      if (row < m && col < n) { out[wid.z * m * n + row * n + col] = acc[r][c]; }
    }
  }
}`

/** out[o, j, i] = x[o, idx[j], i], as bits (any 4-byte dtype). meta: [outer, axisSize, inner, count of indices] */
export const gatherShader = (): string => `${header(['var<storage, read> x: array<u32>', 'var<storage, read> idx: array<i32>', 'var<storage, read_write> out: array<u32>'])}
${main1d(`  let inner = info[2];
  let m = info[3];
  if (i >= info[0] * m * inner) { return; }
  let c = i % inner;
  let j = (i / inner) % m;
  let o = i / (inner * m);
  out[i] = x[(o * info[1] + u32(idx[j])) * inner + c];`)}`

/**
 * out[o, j] = the index along the axis of the first maximum (minimum) of x[o, ·, j], or of its
 * first NaN: the order of the TypeScript kernel. Candidates combine by (NaN first, then the
 * larger (smaller) value, then the smaller index), an order that does not depend on how the
 * axis is split, so long axes get one workgroup each (as `reduceShader`'s) and short ones one
 * invocation. meta: [cells = outer · inner, axis size, inner]
 */
export const argReduceShader = (op: 'argmax' | 'argmin', short: boolean): string => {
  const common = `${header(['var<storage, read> x: array<f32>', 'var<storage, read_write> out: array<i32>'])}
${helpers}
// whether candidate (v, i) comes before (bv, bi); bi < 0 is no candidate yet
fn before(v: f32, i: i32, bv: f32, bi: i32) -> bool {
  if (bi < 0) { return i >= 0; }
  if (i < 0) { return false; }
  let vn = is_nan(v);
  let bn = is_nan(bv);
  if (vn != bn) { return vn; }
  if (!vn && v != bv) { return v ${op === 'argmax' ? '>' : '<'} bv; }
  return i < bi;
}`
  if (short) {
    return `${common}
${main1d(`  let n = info[1];
  let inner = info[2];
  if (i >= info[0]) { return; }
  let base = (i / inner) * n * inner + i % inner;
  var bv = 0.0;
  var bi = -1;
  for (var r = 0u; r < n; r++) {
    let v = x[base + r * inner];
    if (before(v, i32(r), bv, bi)) { bv = v; bi = i32(r); }
  }
  out[i] = max(bi, 0);`)}`
  }
  return `${common}
var<workgroup> pv: array<f32, ${WG}>;
var<workgroup> pi: array<i32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let cell = wid.x + wid.y * nwg.x;
  let n = info[1];
  let inner = info[2];
  var bv = 0.0;
  var bi = -1;
  if (cell < info[0]) {
    let base = (cell / inner) * n * inner + cell % inner;
    for (var r = t; r < n; r += ${WG}u) {
      let v = x[base + r * inner];
      if (before(v, i32(r), bv, bi)) { bv = v; bi = i32(r); }
    }
  }
  pv[t] = bv;
  pi[t] = bi;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (t < s && before(pv[t + s], pi[t + s], pv[t], pi[t])) { pv[t] = pv[t + s]; pi[t] = pi[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u && cell < info[0]) { out[cell] = max(pi[0], 0); }
}`
}

/**
 * out[i, d] = on if idx[i] = d else off, as bits; an index outside [0, depth) gives a row of
 * `bad` (NaN: the device cannot refuse it as the CPU does). meta: [count of indices, depth, on bits, off bits, bad bits]
 */
export const oneHotShader = (): string => `${header(['var<storage, read> idx: array<i32>', 'var<storage, read_write> out: array<u32>'])}
${main1d(`  let depth = info[1];
  if (i >= info[0] * depth) { return; }
  let v = idx[i / depth];
  out[i] = select(select(info[3], info[2], v == i32(i % depth)), info[4], v < 0 || v >= i32(depth));`)}`

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

/**
 * The geometry of a convolution, from meta: [batch, inH, inW, inC, outH, outW, outC, kH, kW,
 * strideH, strideW, dilationH, dilationW, padTop, padLeft, groups]. With groups, the filter is
 * [kH, kW, cg = inC / groups, outC] and output channel o reads input channels g·cg … g·cg + cg − 1
 * of its group g = ⌊o / og⌋, og = outC / groups.
 */
const convGeometry = `
  let batch = i32(info[0]); let inH = i32(info[1]); let inW = i32(info[2]); let inC = i32(info[3]);
  let outH = i32(info[4]); let outW = i32(info[5]); let outC = i32(info[6]); let kH = i32(info[7]); let kW = i32(info[8]);
  let sH = i32(info[9]); let sW = i32(info[10]); let dH = i32(info[11]); let dW = i32(info[12]); let pT = i32(info[13]); let pL = i32(info[14]);
  let cg = inC / i32(info[15]); let og = outC / i32(info[15]);`

/** NHWC input, HWIO filter: one invocation per output element, padded taps skipped. */
export const conv2dShader = (): string => `${header(['var<storage, read> x: array<f32>', 'var<storage, read> w: array<f32>', 'var<storage, read_write> out: array<f32>'])}
${main1d(`${convGeometry}
  if (i32(i) >= batch * outH * outW * outC) { return; }
  let o = i32(i) % outC;
  let ow = (i32(i) / outC) % outW;
  let oh = (i32(i) / (outC * outW)) % outH;
  let n = i32(i) / (outC * outW * outH);
  var acc = 0.0;
  for (var kh = 0; kh < kH; kh++) {
    let ih = oh * sH - pT + kh * dH;
    if (ih < 0 || ih >= inH) { continue; }
    for (var kw = 0; kw < kW; kw++) {
      let iw = ow * sW - pL + kw * dW;
      if (iw < 0 || iw >= inW) { continue; }
      let xb = ((n * inH + ih) * inW + iw) * inC + (o / og) * cg;
      let wb = (kh * kW + kw) * cg * outC + o;
      for (var c = 0; c < cg; c++) { acc += x[xb + c] * w[wb + c * outC]; }
    }
  }
  out[i] = acc;`)}`

/** dx from dy and w: each input element sums the taps that read it. */
export const conv2dBackInputShader = (): string => `${header(['var<storage, read> dy: array<f32>', 'var<storage, read> w: array<f32>', 'var<storage, read_write> dx: array<f32>'])}
${main1d(`${convGeometry}
  if (i32(i) >= batch * inH * inW * inC) { return; }
  let c = i32(i) % inC;
  let iw = (i32(i) / inC) % inW;
  let ih = (i32(i) / (inC * inW)) % inH;
  let n = i32(i) / (inC * inW * inH);
  var acc = 0.0;
  for (var kh = 0; kh < kH; kh++) {
    let th = ih + pT - kh * dH;
    if (th < 0 || th % sH != 0 || th / sH >= outH) { continue; }
    let oh = th / sH;
    for (var kw = 0; kw < kW; kw++) {
      let tw = iw + pL - kw * dW;
      if (tw < 0 || tw % sW != 0 || tw / sW >= outW) { continue; }
      let ow = tw / sW;
      let o0 = (c / cg) * og;
      let yb = ((n * outH + oh) * outW + ow) * outC + o0;
      let wb = ((kh * kW + kw) * cg + c % cg) * outC + o0;
      for (var o = 0; o < og; o++) { acc += dy[yb + o] * w[wb + o]; }
    }
  }
  dx[i] = acc;`)}`

/** dw from x and dy: each filter element sums over the batch and the output positions. */
export const conv2dBackFilterShader = (): string => `${header(['var<storage, read> x: array<f32>', 'var<storage, read> dy: array<f32>', 'var<storage, read_write> dw: array<f32>'])}
${main1d(`${convGeometry}
  if (i32(i) >= kH * kW * cg * outC) { return; }
  let o = i32(i) % outC;
  let c = (o / og) * cg + (i32(i) / outC) % cg;
  let kw = (i32(i) / (outC * cg)) % kW;
  let kh = i32(i) / (outC * cg * kW);
  var acc = 0.0;
  for (var n = 0; n < batch; n++) {
    for (var oh = 0; oh < outH; oh++) {
      let ih = oh * sH - pT + kh * dH;
      if (ih < 0 || ih >= inH) { continue; }
      for (var ow = 0; ow < outW; ow++) {
        let iw = ow * sW - pL + kw * dW;
        if (iw < 0 || iw >= inW) { continue; }
        acc += x[((n * inH + ih) * inW + iw) * inC + c] * dy[((n * outH + oh) * outW + ow) * outC + o];
      }
    }
  }
  dw[i] = acc;`)}`

/** The geometry of a pooling window, from meta: [batch, inH, inW, channels, outH, outW, kH, kW, strideH, strideW, padTop, padLeft]. */
const poolGeometry = `
  let batch = i32(info[0]); let inH = i32(info[1]); let inW = i32(info[2]); let C = i32(info[3]);
  let outH = i32(info[4]); let outW = i32(info[5]); let kH = i32(info[6]); let kW = i32(info[7]);
  let sH = i32(info[8]); let sW = i32(info[9]); let pT = i32(info[10]); let pL = i32(info[11]);`

/**
 * The input index of the first maximum of channel c in window (n, oh, ow), in row-major window
 * order (a larger value wins; the first NaN wins and stays), or −1 for a window in the padding.
 */
const windowArgmax = `
fn windowArgmax(n: i32, oh: i32, ow: i32, c: i32) -> i32 {
${poolGeometry}
  var best = 0.0;
  var at = -1;
  for (var kh = 0; kh < kH; kh++) {
    let ih = oh * sH - pT + kh;
    if (ih < 0 || ih >= inH) { continue; }
    for (var kw = 0; kw < kW; kw++) {
      let iw = ow * sW - pL + kw;
      if (iw < 0 || iw >= inW) { continue; }
      let j = ((n * inH + ih) * inW + iw) * C + c;
      let v = x[j];
      if (at < 0 || v > best || (is_nan(v) && !is_nan(best))) { best = v; at = j; }
    }
  }
  return at;
}`

/** Max or average over each window's cells inside the input (0 for a window in the padding). */
export const pool2dShader = (kind: 'max' | 'avg'): string => `${header(['var<storage, read> x: array<f32>', 'var<storage, read_write> out: array<f32>'])}
${helpers}
${windowArgmax}
${main1d(`${poolGeometry}
  if (i32(i) >= batch * outH * outW * C) { return; }
  let c = i32(i) % C;
  let ow = (i32(i) / C) % outW;
  let oh = (i32(i) / (C * outW)) % outH;
  let n = i32(i) / (C * outW * outH);
${
  kind === 'max'
    ? `  let at = windowArgmax(n, oh, ow, c);
  out[i] = select(x[max(at, 0)], 0.0, at < 0);`
    : `  var acc = 0.0;
  var count = 0;
  for (var kh = 0; kh < kH; kh++) {
    let ih = oh * sH - pT + kh;
    if (ih < 0 || ih >= inH) { continue; }
    for (var kw = 0; kw < kW; kw++) {
      let iw = ow * sW - pL + kw;
      if (iw < 0 || iw >= inW) { continue; }
      acc += x[((n * inH + ih) * inW + iw) * C + c];
      count++;
    }
  }
  out[i] = select(acc / f32(count), 0.0, count == 0);`
}`)}`

/** out = t at the first maximum of x in each window (0 for a window in the padding). */
export const pool2dSelectShader = (): string => `${header(['var<storage, read> x: array<f32>', 'var<storage, read> t: array<f32>', 'var<storage, read_write> out: array<f32>'])}
${helpers}
${windowArgmax}
${main1d(`${poolGeometry}
  if (i32(i) >= batch * outH * outW * C) { return; }
  let c = i32(i) % C;
  let ow = (i32(i) / C) % outW;
  let oh = (i32(i) / (C * outW)) % outH;
  let n = i32(i) / (C * outW * outH);
  let at = windowArgmax(n, oh, ow, c);
  out[i] = select(t[max(at, 0)], 0.0, at < 0);`)}`

/**
 * The pooling gradient, per input element: the dy of every window that holds it, in window order
 * (max: only of windows whose first maximum it is; avg: dy / the window's count of valid cells).
 * The average's gradient reads no x: its bindings are dy and dx only.
 */
export const pool2dBackShader = (kind: 'max' | 'avg'): string => `${header([...(kind === 'max' ? ['var<storage, read> x: array<f32>'] : []), 'var<storage, read> dy: array<f32>', 'var<storage, read_write> dx: array<f32>'])}
${kind === 'max' ? `${helpers}\n${windowArgmax}` : ''}
fn validCount(oh: i32, ow: i32) -> i32 {
${poolGeometry}
  let h0 = oh * sH - pT;
  let w0 = ow * sW - pL;
  return max(0, min(h0 + kH, inH) - max(h0, 0)) * max(0, min(w0 + kW, inW) - max(w0, 0));
}
${main1d(`${poolGeometry}
  if (i32(i) >= batch * inH * inW * C) { return; }
  let c = i32(i) % C;
  let iw = (i32(i) / C) % inW;
  let ih = (i32(i) / (C * inW)) % inH;
  let n = i32(i) / (C * inW * inH);
  let loH = ih + pT - kH + 1;
  let loW = iw + pL - kW + 1;
  var acc = 0.0;
  for (var oh = select(0, (loH + sH - 1) / sH, loH > 0); oh <= min(outH - 1, (ih + pT) / sH); oh++) {
    for (var ow = select(0, (loW + sW - 1) / sW, loW > 0); ow <= min(outW - 1, (iw + pL) / sW); ow++) {
      let g = dy[((n * outH + oh) * outW + ow) * C + c];
${
  kind === 'max'
    ? `      if (windowArgmax(n, oh, ow, c) == i32(i)) { acc += g; }`
    : `      acc += g / f32(validCount(oh, ow));`
}
    }
  }
  dx[i] = acc;`)}`

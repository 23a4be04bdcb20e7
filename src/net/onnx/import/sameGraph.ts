/**
 * Whether a model's graph is, node for node, the graph `toOnnx` writes: the same operators in
 * the same order with the same attributes, reading the same values (up to their names: node,
 * value and initialiser names are free), the same graph inputs and outputs, and, when
 * `contents` is asked, initialisers holding the same numbers bit for bit. Without `contents`,
 * initialisers need only the same dims and element type: the pattern of the nodes, whose
 * weights are then read off (trace.ts). The first difference is named by the model's node.
 * @internal
 */
import { type Attr, FLOAT, type Graph, type Init, type ValueInfo, describeNode, float32sOf, sizeOf } from './graphs.js'

/** The initialisers of `want` matched with the model's, by name; or what differs first. */
export type Matched = { readonly inits: ReadonlyMap<string, string> } | { readonly difference: string }

const INT32 = 6
const INT64 = 7
const DOUBLE = 11

/** The numbers of an initialiser of a type the exporters write, as little-endian bytes that compare exactly. */
const bitsOf = (t: Init): Uint8Array | undefined => {
  const type = t.dataType ?? 0
  if (type === FLOAT) {
    const f = float32sOf(t)
    if (f === undefined) return undefined
    const out = new DataView(new ArrayBuffer(f.length * 4))
    f.forEach((v, i) => out.setFloat32(i * 4, v, true))
    return new Uint8Array(out.buffer)
  }
  const size = sizeOf(t)
  if (!Number.isSafeInteger(size)) return undefined
  const width = type === INT32 ? 4 : type === INT64 || type === DOUBLE ? 8 : 0
  if (width === 0) return undefined
  if (t.rawData !== undefined && t.rawData.length > 0) return t.rawData.length === size * width ? t.rawData : undefined
  const values = type === INT32 ? t.int32Data : type === INT64 ? t.int64Data : t.doubleData
  if ((values ?? []).length !== size) return undefined
  const out = new DataView(new ArrayBuffer(size * width))
  values!.forEach((v, i) => (type === INT32 ? out.setInt32(i * 4, v, true) : type === INT64 ? out.setBigInt64(i * 8, BigInt(v), true) : out.setFloat64(i * 8, v, true)))
  return new Uint8Array(out.buffer)
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i])

const sameDims = (a: Init, b: Init): boolean => (a.dataType ?? 0) === (b.dataType ?? 0) && (a.dims ?? []).join() === (b.dims ?? []).join()

const bytesText = (b: Uint8Array | undefined): string => (b === undefined ? '' : Array.from(b).join(','))

/** An attribute as text that compares exactly (floats by their float32 bits, as stored). */
const attrText = (a: Attr): string =>
  JSON.stringify([a.name, a.type ?? 0, a.f === undefined ? null : Math.fround(a.f), a.i ?? null, bytesText(a.s), a.ints ?? [], (a.floats ?? []).map(Math.fround), (a.strings ?? []).map(bytesText)])

const infoText = (v: ValueInfo): string => {
  const t = v.type?.tensorType
  return JSON.stringify([v.name ?? '', t?.elemType ?? 0, (t?.shape?.dim ?? []).map((d) => d.dimParam ?? d.dimValue ?? null)])
}

/** Matches the model's graph `file` against the graph `toOnnx` writes, `want`. */
export const matchGraph = (file: Graph, want: Graph, contents: boolean): Matched => {
  const differ = (difference: string): Matched => ({ difference })
  const [fileInputs, wantInputs] = [file.input ?? [], want.input ?? []]
  const fileInits = new Map((file.initializer ?? []).map((t) => [t.name ?? '', t]))
  const wantInits = new Map((want.initializer ?? []).map((t) => [t.name ?? '', t]))
  const graphInputs = fileInputs.filter((v) => !fileInits.has(v.name ?? ''))
  if (graphInputs.length !== wantInputs.length) return differ(`the graph has ${graphInputs.length} inputs where toOnnx writes ${wantInputs.length} for the network the model names`)
  for (let i = 0; i < wantInputs.length; i++) {
    if (infoText(graphInputs[i]!) !== infoText(wantInputs[i]!)) return differ(`the graph's input ${JSON.stringify(graphInputs[i]!.name)} is ${infoText(graphInputs[i]!)} where toOnnx writes ${infoText(wantInputs[i]!)} for the network the model names`)
  }
  // values of `want` → values of the model, and the initialisers matched both ways
  const values = new Map(wantInputs.map((v) => [v.name ?? '', v.name ?? '']))
  const taken = new Set(values.values())
  const inits = new Map<string, string>()
  const initsBack = new Map<string, string>()
  const [fileNodes, wantNodes] = [file.node ?? [], want.node ?? []]
  for (let i = 0; i < wantNodes.length; i++) {
    const w = wantNodes[i]!
    const n = fileNodes[i]
    const expected = `toOnnx writes ${describeNode(w)} there for the network the model names`
    if (n === undefined) return differ(`the graph ends after ${fileNodes.length} nodes where ${expected}`)
    const at = `${describeNode(n)} (node ${i + 1} of the graph)`
    if ((n.opType ?? '') !== (w.opType ?? '') || (n.domain ?? '') !== (w.domain ?? '')) return differ(`${at} is not the operator ${expected}`)
    const [na, wa] = [n.attribute ?? [], w.attribute ?? []]
    if (na.length !== wa.length || na.some((a, k) => attrText(a) !== attrText(wa[k]!))) return differ(`${at} has other attributes than ${expected}`)
    const [ni, wi] = [n.input ?? [], w.input ?? []]
    if (ni.length !== wi.length) return differ(`${at} has ${ni.length} inputs where ${expected} with ${wi.length}`)
    for (let k = 0; k < wi.length; k++) {
      const [fname, wname] = [ni[k]!, wi[k]!]
      const wt = wantInits.get(wname)
      if (wname === '' || fname === '') {
        if (wname !== fname) return differ(`${at} ${fname === '' ? 'leaves out' : 'gives'} its optional input ${k}, where ${expected} ${wname === '' ? 'leaving it out' : 'giving it'}`)
      } else if (wt !== undefined) {
        const ft = fileInits.get(fname)
        if (ft === undefined) return differ(`${at} reads a computed value as its input ${k}, where ${expected} reading a constant`)
        if ((inits.get(wname) ?? fname) !== fname || (initsBack.get(fname) ?? wname) !== wname) return differ(`${at} reads the constant ${JSON.stringify(fname)} as its input ${k}, where ${expected} reading another constant`)
        if (!sameDims(ft, wt)) return differ(`${at} reads a constant of element type ${ft.dataType ?? 0} and dims [${(ft.dims ?? []).join(', ')}] as its input ${k}, where ${expected} with type ${wt.dataType ?? 0} and dims [${(wt.dims ?? []).join(', ')}]`)
        if (contents && !sameBytes(bitsOf(ft), bitsOf(wt))) return differ(`${at} reads other numbers as its input ${k} (the constant ${JSON.stringify(fname)}) than ${expected}: the weights it holds are not those of one network`)
        inits.set(wname, fname)
        initsBack.set(fname, wname)
      } else if (values.get(wname) !== fname) return differ(`${at} reads ${JSON.stringify(fname)} as its input ${k}, which is not the value ${expected} reading`)
    }
    const [no, wo] = [n.output ?? [], w.output ?? []]
    if (no.length !== wo.length) return differ(`${at} has ${no.length} outputs where ${expected} with ${wo.length}`)
    for (let k = 0; k < wo.length; k++) {
      if (taken.has(no[k]!) || fileInits.has(no[k]!)) return differ(`${at} writes the value ${JSON.stringify(no[k])}, which the graph already holds`)
      values.set(wo[k]!, no[k]!)
      taken.add(no[k]!)
    }
  }
  if (fileNodes.length > wantNodes.length) return differ(`${describeNode(fileNodes[wantNodes.length]!)} (node ${wantNodes.length + 1} of the graph) is one more than the ${wantNodes.length} nodes toOnnx writes for the network the model names`)
  const unread = (file.initializer ?? []).find((t) => !initsBack.has(t.name ?? ''))
  if (unread !== undefined) return differ(`the constant ${JSON.stringify(unread.name)} is read by no node, where toOnnx writes none such for the network the model names`)
  const [fileOutputs, wantOutputs] = [file.output ?? [], want.output ?? []]
  if (fileOutputs.length !== wantOutputs.length) return differ(`the graph has ${fileOutputs.length} outputs where toOnnx writes ${wantOutputs.length} for the network the model names`)
  for (let i = 0; i < wantOutputs.length; i++) {
    const [f, w] = [fileOutputs[i]!, wantOutputs[i]!]
    if (infoText(f) !== infoText(w) || values.get(w.name ?? '') !== f.name) return differ(`the graph's output ${JSON.stringify(f.name)} is not the value toOnnx writes as its output ${JSON.stringify(w.name)} for the network the model names`)
  }
  return { inits }
}

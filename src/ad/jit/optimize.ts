/**
 * Program rewrites that keep values bit for bit: common-subexpression elimination (one
 * equation for each distinct primitive, parameters and inputs) and dead-code elimination
 * (only equations an output depends on). Constant folding needs no pass: operations on
 * constants alone ran while tracing and entered the program as constants. @internal
 */
import type { Eqn, Program } from './Program.js'

const ruleIds = new WeakMap<object, number>()
let nextRule = 0

/** Parameters as a string that is equal exactly when the parameters are (a custom rule by identity). */
export const paramsKey = (params: unknown): string =>
  JSON.stringify(params, (k, v: unknown) => {
    if (k === 'rule' && typeof v === 'object' && v !== null) {
      let id = ruleIds.get(v)
      if (id === undefined) ruleIds.set(v, (id = nextRule++))
      return `rule#${id}`
    }
    return typeof v === 'number' && !Number.isFinite(v) ? String(v) : Object.is(v, -0) ? '-0' : v
  })

/** Merges equations that apply the same primitive with the same parameters to the same variables. */
export const cse = (p: Program): Program => {
  const rename = new Map<number, number>()
  const seen = new Map<string, number>()
  const eqns: Eqn[] = []
  const to = (v: number): number => rename.get(v) ?? v
  for (const e of p.eqns) {
    const inputs = e.inputs.map(to)
    const key = `${e.prim}${paramsKey(e.params)}(${inputs.join(',')})`
    const prev = seen.get(key)
    if (prev !== undefined) rename.set(e.out, prev)
    else {
      seen.set(key, e.out)
      eqns.push(inputs.every((v, i) => v === e.inputs[i]) ? e : { ...e, inputs })
    }
  }
  return { ...p, eqns, outputs: p.outputs.map(to) }
}

/** Drops equations no output depends on, and constants nothing uses. */
export const dce = (p: Program): Program => {
  const live = new Set<number>(p.outputs)
  const kept: Eqn[] = []
  for (let i = p.eqns.length - 1; i >= 0; i--) {
    const e = p.eqns[i]!
    if (!live.has(e.out)) continue
    kept.push(e)
    for (const v of e.inputs) live.add(v)
  }
  const keep = p.consts.map((v) => live.has(v))
  return { ...p, eqns: kept.reverse(), consts: p.consts.filter((_, i) => keep[i]), constValues: p.constValues.filter((_, i) => keep[i]) }
}

/** Both rewrites, CSE first (it can leave dead equations behind). */
export const optimize = (p: Program): Program => dce(cse(p))

/**
 * A string equal for two programs exactly when they are the same program up to the values of
 * their constants: the key under which a compiled program is reused.
 */
export const structureKey = (p: Program): string => {
  const aval = (v: number): string => `${p.avals[v]!.dtype}[${p.avals[v]!.shape.join(',')}]`
  return [
    p.inputs.map((v) => `${v}:${aval(v)}`).join(' '),
    p.consts.map((v) => `${v}:${aval(v)}`).join(' '),
    ...p.eqns.map((e) => `${e.out}:${aval(e.out)}=${e.prim}${paramsKey(e.params)}(${e.inputs.join(',')})@${e.layer ?? ''}`),
    p.outputs.join(','),
  ].join('\n')
}

/**
 * The check every options object goes through: a plain object (or nothing) whose keys are all
 * ones the function knows, so a misspelt option (`stride` for `strides`) is refused instead of
 * silently ignored. Cheap enough for hot paths: one pass over the keys of a small object.
 *
 * @internal
 */
import { describe, fail } from './errors.js'

/** Edit distance between two short strings (insertions, deletions, substitutions, swaps of neighbours). */
const distance = (a: string, b: string): number => {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}

/**
 * The known key closest to `key` when it is a near miss: another case, a typo or two, a swap
 * of neighbours, or a longer or shorter form of the same word (`stdev`, `training`); else
 * undefined. @internal
 */
export const closest = (key: string, known: ReadonlyArray<string>): string | undefined => {
  const k = key.toLowerCase()
  let best: string | undefined
  let bestD = Infinity
  for (const name of known) {
    const n = name.toLowerCase()
    const d = n === k ? 0 : Math.min(n.length, k.length) >= 3 && (n.startsWith(k) || k.startsWith(n)) ? 1 : distance(k, n)
    if (d < bestD || (d === bestD && best !== undefined && name.length > best.length)) [best, bestD] = [name, d]
  }
  return best !== undefined && bestD <= Math.max(1, Math.min(2, Math.floor(best.length / 3))) ? best : undefined
}

/**
 * The INVALID_ARGUMENT error for an unknown option key, with the accepted keys and the likely
 * one; `of` names a record of options nested in the options (e.g. `budget`). @internal
 */
export const unknownOption = (op: string, key: string, known: ReadonlyArray<string>, of?: string): never => {
  const near = closest(key, known)
  const list = known.map((n) => JSON.stringify(n)).join(', ')
  const accepted = of !== undefined ? `the fields of ${of} are ${list}` : known.length === 0 ? `${op} takes no options` : `the options of ${op} are ${list}`
  return fail('INVALID_ARGUMENT', op, `unknown ${of === undefined ? 'option' : `field of ${of}`} ${JSON.stringify(key)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}; ${accepted}.`)
}

/**
 * Refuses an options argument that is not a plain object or `undefined`, and any key of it the
 * function does not know, naming the key, the function and the keys it accepts. `of` names a
 * record of options nested in the options (e.g. `budget`), for the messages. @internal
 */
export const checkOptions = (op: string, opts: unknown, known: ReadonlyArray<string>, of?: string): void => {
  if (opts === undefined) return
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    fail('INVALID_ARGUMENT', op, `${of ?? 'the options'} ${of === undefined ? 'are' : 'is'} ${describe(opts)}; pass ${of === undefined ? 'an options object' : 'a record'} such as { ${known[0] ?? ''}: … } or nothing.`)
  }
  for (const k in opts as object) {
    if (Object.hasOwn(opts as object, k) && !known.includes(k)) unknownOption(op, k, known, of)
  }
}

/**
 * Dynamic context that diagnostics read: which layer is running, whether a backward pass is,
 * and whose derivative rule. Set by the network interpreter and the tape for the duration of
 * a call and restored after it; nothing in the library's results depends on it. @internal
 */
let layer: string | undefined
let backward = false
let rule: string | undefined

export const currentLayer = (): string | undefined => layer
export const inBackward = (): boolean => backward
/** The primitive whose derivative rule is running in a backward pass. */
export const currentRule = (): string | undefined => rule

/** Runs a primitive's derivative rule, in the layer its forward step ran in. */
export const withRule = <A>(name: string, inLayer: string | undefined, f: () => A): A => {
  const saved = [rule, layer] as const
  rule = name
  layer = inLayer
  try {
    return f()
  } finally {
    ;[rule, layer] = saved
  }
}

export const withLayer = <A>(name: string, f: () => A): A => {
  const saved = layer
  layer = name
  try {
    return f()
  } finally {
    layer = saved
  }
}

export const duringBackward = <A>(f: () => A): A => {
  const saved = backward
  backward = true
  try {
    return f()
  } finally {
    backward = saved
  }
}

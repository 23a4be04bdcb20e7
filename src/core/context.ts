/**
 * Dynamic context that diagnostics read: which layer is running and whether a backward pass
 * is. Set by the network interpreter and the tape for the duration of a call and restored
 * after it; nothing in the library's results depends on it. @internal
 */
let layer: string | undefined
let backward = false

export const currentLayer = (): string | undefined => layer
export const inBackward = (): boolean => backward

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

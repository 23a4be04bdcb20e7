/**
 * One palette for the whole page: blue for class 1 and positive values, orange for class 0 and
 * negative values, a warm white between them.
 */
export type Rgb = readonly [number, number, number]

export const BLUE: Rgb = [34, 109, 176]
export const ORANGE: Rgb = [226, 122, 46]
export const MID: Rgb = [247, 246, 242]

export const css = ([r, g, b]: Rgb, alpha = 1): string => (alpha === 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`)

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]

/**
 * A value in [−1, 1] as a colour: orange below 0, blue above, white at 0. `strength` below 1
 * keeps the extremes pale enough for points drawn on top to stand out.
 */
export const diverging = (v: number, strength = 0.8): Rgb => {
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0))
  return mix(MID, t >= 0 ? BLUE : ORANGE, Math.pow(Math.abs(t), 0.85) * strength)
}

/** A probability of blue as a colour (0.5 is white). */
export const probability = (p: number, strength = 0.8): Rgb => diverging(2 * p - 1, strength)

/** Fills an ImageData-sized buffer with one colour per value. */
export const paint = (values: ReadonlyArray<number>, toColor: (v: number) => Rgb, out: Uint8ClampedArray): void => {
  values.forEach((v, i) => {
    const [r, g, b] = toColor(v)
    out[4 * i] = r
    out[4 * i + 1] = g
    out[4 * i + 2] = b
    out[4 * i + 3] = 255
  })
}

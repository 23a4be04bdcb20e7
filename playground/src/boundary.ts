/**
 * The decision boundary: the network's probability of blue over the plane as a heatmap, with
 * the training points (white rims) and, if asked, the test points (dark rims) on top.
 */
import { BLUE, ORANGE, css, paint, probability } from './colors.js'
import { EXTENT, type Point } from './datasets.js'

export interface BoundaryOptions {
  readonly showTest: boolean
  /** colour each cell by the predicted class instead of the probability */
  readonly discretize: boolean
}

const MARGIN_LEFT = 24
const MARGIN_BOTTOM = 20
const MARGIN_TOP = 8
const MARGIN_RIGHT = 10

/** Sets a canvas's backing store to the device's pixels and returns its 2-D context in CSS pixels. */
export const hiDpi = (canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D => {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1))
  canvas.width = Math.round(width * dpr)
  canvas.height = Math.round(height * dpr)
  canvas.style.width = `${width}px`
  canvas.style.height = `${height}px`
  const ctx = canvas.getContext('2d')!
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  return ctx
}

export const createBoundary = (canvas: HTMLCanvasElement, size: number) => {
  const width = MARGIN_LEFT + size + MARGIN_RIGHT
  const height = MARGIN_TOP + size + MARGIN_BOTTOM
  const ctx = hiDpi(canvas, width, height)
  const cells = document.createElement('canvas')
  const toPx = (x1: number, x2: number): readonly [number, number] => [MARGIN_LEFT + ((x1 + EXTENT) / (2 * EXTENT)) * size, MARGIN_TOP + ((EXTENT - x2) / (2 * EXTENT)) * size]

  const axes = (): void => {
    ctx.clearRect(0, 0, width, MARGIN_TOP)
    ctx.clearRect(0, 0, MARGIN_LEFT, height)
    ctx.clearRect(0, MARGIN_TOP + size, width, MARGIN_BOTTOM)
    ctx.clearRect(MARGIN_LEFT + size, 0, MARGIN_RIGHT, height)
    const bottom = MARGIN_TOP + size
    ctx.fillStyle = '#6b6b6b'
    ctx.strokeStyle = '#9a9a9a'
    ctx.font = '10px system-ui, sans-serif'
    ctx.lineWidth = 1
    for (let v = -EXTENT; v <= EXTENT; v += 2) {
      const [x, y] = toPx(v, v)
      ctx.beginPath()
      ctx.moveTo(x, bottom)
      ctx.lineTo(x, bottom + 4)
      ctx.moveTo(MARGIN_LEFT - 4, y)
      ctx.lineTo(MARGIN_LEFT, y)
      ctx.stroke()
      ctx.textAlign = 'center'
      ctx.textBaseline = 'top'
      ctx.fillText(String(v), x, bottom + 6)
      ctx.textAlign = 'right'
      ctx.textBaseline = 'middle'
      ctx.fillText(String(v), MARGIN_LEFT - 6, y)
    }
  }

  const dot = (p: Point, rim: string): void => {
    const [x, y] = toPx(p.x1, p.x2)
    ctx.beginPath()
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI)
    ctx.fillStyle = css(p.label === 1 ? BLUE : ORANGE)
    ctx.fill()
    ctx.lineWidth = 1
    ctx.strokeStyle = rim
    ctx.stroke()
  }

  /** Draws the probabilities of a res × res grid (row by row from the top) and the points. */
  const draw = (probs: ReadonlyArray<number>, res: number, train: ReadonlyArray<Point>, test: ReadonlyArray<Point>, opts: BoundaryOptions): void => {
    cells.width = res
    cells.height = res
    const cctx = cells.getContext('2d')!
    const img = cctx.createImageData(res, res)
    paint(probs, (p) => (opts.discretize ? probability(p > 0.5 ? 1 : 0, 0.55) : probability(p)), img.data)
    cctx.putImageData(img, 0, 0)
    ctx.imageSmoothingEnabled = !opts.discretize
    ctx.imageSmoothingQuality = 'high'
    ctx.drawImage(cells, MARGIN_LEFT, MARGIN_TOP, size, size)
    for (const p of train) dot(p, '#ffffff')
    if (opts.showTest) for (const p of test) dot(p, '#222222')
    axes()
    ctx.strokeStyle = '#c9c6bd'
    ctx.lineWidth = 1
    ctx.strokeRect(MARGIN_LEFT - 0.5, MARGIN_TOP - 0.5, size + 1, size + 1)
  }

  return { draw }
}

/** A small picture of a data set, for its button. */
export const drawThumbnail = (canvas: HTMLCanvasElement, points: ReadonlyArray<Point>, size: number): void => {
  const ctx = hiDpi(canvas, size, size)
  ctx.fillStyle = '#fbfaf7'
  ctx.fillRect(0, 0, size, size)
  for (const p of points) {
    ctx.fillStyle = css(p.label === 1 ? BLUE : ORANGE)
    ctx.beginPath()
    ctx.arc(((p.x1 + EXTENT) / (2 * EXTENT)) * size, ((EXTENT - p.x2) / (2 * EXTENT)) * size, 1.4, 0, 2 * Math.PI)
    ctx.fill()
  }
}

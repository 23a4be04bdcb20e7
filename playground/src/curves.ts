/**
 * Training and test loss per epoch, as two lines on a canvas: the picture the notes ask for to
 * tell under- from overfitting, and to see a learning rate that makes the loss jump about.
 */
import { hiDpi } from './boundary.js'
import type { EpochLosses } from './train.js'

export const TRAIN_COLOR = '#3a3a3a'
export const TEST_COLOR = '#1c9a8b'

const PAD = { left: 34, right: 8, top: 8, bottom: 18 } as const

/** A round step for about `n` ticks over [0, max]. */
const niceStep = (max: number, n: number): number => {
  const raw = max / n
  const p = Math.pow(10, Math.floor(Math.log10(raw)))
  const m = raw / p
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p
}

export const createCurves = (canvas: HTMLCanvasElement, width: number, height: number) => {
  const ctx = hiDpi(canvas, width, height)
  const w = width - PAD.left - PAD.right
  const h = height - PAD.top - PAD.bottom

  const draw = (history: ReadonlyArray<EpochLosses>): void => {
    ctx.clearRect(0, 0, width, height)
    const finite = history.flatMap((e) => [e.train.loss, e.test.loss]).filter(Number.isFinite)
    const yMax = Math.max(0.1, ...finite) * 1.05
    const xMax = Math.max(10, history.at(-1)?.epoch ?? 0)
    const x = (epoch: number): number => PAD.left + (epoch / xMax) * w
    const y = (loss: number): number => PAD.top + h - (Math.min(loss, yMax) / yMax) * h

    ctx.font = '10px system-ui, sans-serif'
    ctx.lineWidth = 1
    const step = niceStep(yMax, 3)
    for (let v = 0; v <= yMax + 1e-9; v += step) {
      ctx.strokeStyle = v === 0 ? '#bdbab2' : '#ebe8e1'
      ctx.beginPath()
      ctx.moveTo(PAD.left, Math.round(y(v)) + 0.5)
      ctx.lineTo(PAD.left + w, Math.round(y(v)) + 0.5)
      ctx.stroke()
      ctx.fillStyle = '#7a7a7a'
      ctx.textAlign = 'right'
      ctx.textBaseline = 'middle'
      ctx.fillText(v.toFixed(step < 0.1 ? 2 : 1), PAD.left - 5, y(v))
    }
    ctx.textAlign = 'right'
    ctx.textBaseline = 'top'
    ctx.fillText(`epoch ${history.at(-1)?.epoch ?? 0}`, PAD.left + w, PAD.top + h + 5)
    ctx.textAlign = 'left'
    ctx.fillText('0', PAD.left, PAD.top + h + 5)

    // at most about one point per pixel column
    const every = Math.max(1, Math.ceil(history.length / w))
    const line = (pick: (e: EpochLosses) => number, color: string, dash: number[]): void => {
      ctx.strokeStyle = color
      ctx.lineWidth = 1.6
      ctx.setLineDash(dash)
      ctx.beginPath()
      history.forEach((e, i) => {
        if (i % every !== 0 && i !== history.length - 1) return
        const v = pick(e)
        if (!Number.isFinite(v)) return
        if (i === 0) ctx.moveTo(x(e.epoch), y(v))
        else ctx.lineTo(x(e.epoch), y(v))
      })
      ctx.stroke()
      ctx.setLineDash([])
    }
    line((e) => e.train.loss, TRAIN_COLOR, [])
    line((e) => e.test.loss, TEST_COLOR, [5, 3])
  }

  return { draw }
}

/**
 * The network as a diagram: a column of input features (tick to use one), a column per hidden
 * layer, the output. Each neuron shows, as a small heatmap, what it computes over the plane;
 * each connection is an SVG curve, blue for a positive weight and orange for a negative one,
 * thicker and darker the larger the weight. Hover a connection to read its weight.
 */
import { BLUE, ORANGE, type Rgb, css, diverging, paint, probability } from './colors.js'
import type { Config } from './config.js'
import { MAX_NEURONS } from './config.js'
import { type FeatureName, allFeatures } from './features.js'
import { gridCoords } from './inputs.js'
import type { LayerWeights } from './model.js'

const SVG = 'http://www.w3.org/2000/svg'
const NODE = 30
const GAP = 38
const TOP = 46
const LABEL_WIDTH = 82
const WIDTH = 520
const HEIGHT = TOP + Math.max(allFeatures.length, MAX_NEURONS) * GAP

export interface DiagramCallbacks {
  readonly onFeature: (name: FeatureName, on: boolean) => void
  readonly onNeurons: (layer: number, delta: 1 | -1) => void
}

interface Node {
  readonly x: number
  readonly y: number
  readonly canvas: HTMLCanvasElement
}

interface Edge {
  readonly path: SVGPathElement
  /** dense layer, input index, neuron index */
  readonly layer: number
  readonly i: number
  readonly j: number
}

/** Resolution of the neuron heatmaps (cells per side). */
export const NEURON_RES = 24

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, cls?: string): HTMLElementTagNameMap[K] => {
  const e = Object.assign(document.createElement(tag), props)
  if (cls !== undefined) e.className = cls
  return e
}

const heatCanvas = (x: number, y: number, cls: string): HTMLCanvasElement => {
  const c = el('canvas', { width: NEURON_RES, height: NEURON_RES }, `node ${cls}`)
  c.style.left = `${x}px`
  c.style.top = `${y}px`
  return c
}

const fillHeat = (canvas: HTMLCanvasElement, values: ReadonlyArray<number>, color: (v: number) => Rgb): void => {
  const ctx = canvas.getContext('2d')!
  const img = ctx.createImageData(NEURON_RES, NEURON_RES)
  paint(values, color, img.data)
  ctx.putImageData(img, 0, 0)
}

/** A feature over the plane, standardised as the network sees it (then halved, so ±2σ spans the colours). */
const featureHeat = (name: FeatureName): ReadonlyArray<number> => {
  const f = allFeatures.find((g) => g.name === name)!
  const g = gridCoords(NEURON_RES)
  const v = Array.from({ length: NEURON_RES * NEURON_RES }, (_, i) => f.f(g[2 * i]!, g[2 * i + 1]!))
  const mean = v.reduce((a, x) => a + x, 0) / v.length
  const sd = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length) || 1
  return v.map((x) => (x - mean) / sd / 2)
}

const fmt = (w: number): string => (Math.abs(w) >= 100 ? w.toFixed(0) : w.toFixed(3))

export const createDiagram = (root: HTMLElement, cb: DiagramCallbacks) => {
  root.style.width = `${WIDTH}px`
  root.style.height = `${HEIGHT}px`
  const tip = el('div', {}, 'tip')
  let nodes: ReadonlyArray<ReadonlyArray<Node>> = []
  let edges: ReadonlyArray<Edge> = []
  let weights: ReadonlyArray<LayerWeights> = []
  let names: ReadonlyArray<string> = []

  /** Rebuilds the diagram for the chosen features and hidden layers. */
  const build = (cfg: Config): void => {
    root.replaceChildren()
    const svg = document.createElementNS(SVG, 'svg')
    svg.setAttribute('width', String(WIDTH))
    svg.setAttribute('height', String(HEIGHT))
    svg.setAttribute('class', 'edges')
    root.append(svg)

    const columns = cfg.hidden.length + 2
    const xFirst = LABEL_WIDTH
    const xLast = WIDTH - NODE - 12
    const xOf = (c: number): number => xFirst + ((xLast - xFirst) * c) / (columns - 1)

    // inputs: every feature gets a row; the chosen ones a live node
    const inputs: Node[] = []
    const inputNames: string[] = []
    allFeatures.forEach((f, r) => {
      const y = TOP + r * GAP
      const on = cfg.features.includes(f.name)
      const label = el('label', {}, `feature${on ? ' on' : ''}`)
      label.style.top = `${y + NODE / 2 - 10}px`
      const box = el('input', { type: 'checkbox', checked: on, id: `feature-${f.name}` })
      box.addEventListener('change', () => cb.onFeature(f.name, box.checked))
      const text = el('span')
      text.innerHTML = f.label
      label.append(box, text)
      const canvas = heatCanvas(xOf(0), y, on ? 'input' : 'input off')
      fillHeat(canvas, featureHeat(f.name), (v) => diverging(v, 0.85))
      canvas.title = on ? `${text.textContent ?? ''}: click to leave out` : `${text.textContent ?? ''}: click to use`
      canvas.addEventListener('click', () => cb.onFeature(f.name, !on))
      root.append(label, canvas)
      if (on) {
        inputs.push({ x: xOf(0), y, canvas })
        inputNames.push(text.textContent ?? f.name)
      }
    })

    const header = (x: number, text: string): HTMLDivElement => {
      const h = el('div', {}, 'layer-head')
      h.style.left = `${x + NODE / 2}px`
      h.textContent = text
      root.append(h)
      return h
    }
    header(xOf(0), 'input')

    const hidden = cfg.hidden.map((units, k) => {
      const x = xOf(k + 1)
      const full = `${units} neuron${units === 1 ? '' : 's'}`
      // columns closer than the label is wide show only the number
      const h = header(x, (xLast - xFirst) / (columns - 1) >= 70 ? full : String(units))
      h.title = full
      const buttons = el('div', {}, 'neuron-buttons')
      const minus = el('button', { type: 'button', id: `neurons-minus-${k}`, textContent: '−', title: 'one neuron fewer', disabled: units <= 1 })
      const plus = el('button', { type: 'button', id: `neurons-plus-${k}`, textContent: '+', title: 'one neuron more', disabled: units >= MAX_NEURONS })
      minus.addEventListener('click', () => cb.onNeurons(k, -1))
      plus.addEventListener('click', () => cb.onNeurons(k, 1))
      buttons.append(minus, plus)
      h.prepend(buttons)
      return Array.from({ length: units }, (_, j): Node => {
        const y = TOP + j * GAP
        const canvas = heatCanvas(x, y, 'hidden')
        root.append(canvas)
        return { x, y, canvas }
      })
    })

    const last = hidden.at(-1) ?? inputs
    const yOut = last.reduce((a, n) => a + n.y, 0) / Math.max(1, last.length)
    const xOut = xOf(columns - 1)
    header(xOut, 'output')
    const out = heatCanvas(xOut, yOut, 'output')
    root.append(out)

    nodes = [inputs, ...hidden, [{ x: xOut, y: yOut, canvas: out }]]
    names = [...inputNames]
    edges = nodes.slice(1).flatMap((col, l) =>
      col.flatMap((b, j) =>
        nodes[l]!.map((a, i): Edge => {
          const path = document.createElementNS(SVG, 'path')
          const x0 = a.x + NODE
          const y0 = a.y + NODE / 2
          const x1 = b.x
          const y1 = b.y + NODE / 2
          const mx = (x0 + x1) / 2
          path.setAttribute('d', `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`)
          path.setAttribute('fill', 'none')
          svg.append(path)
          const edge = { path, layer: l, i, j }
          path.addEventListener('mouseenter', (e) => show(edge, e))
          path.addEventListener('mousemove', (e) => show(edge, e))
          path.addEventListener('mouseleave', () => tip.remove())
          return edge
        }),
      ),
    )
    root.dataset['edges'] = String(edges.length)
  }

  const show = (edge: Edge, e: MouseEvent): void => {
    const w = weights[edge.layer]?.W[edge.i * (weights[edge.layer]?.nOut ?? 1) + edge.j]
    if (w === undefined) return
    const from = edge.layer === 0 ? (names[edge.i] ?? `input ${edge.i + 1}`) : `neuron ${edge.layer}.${edge.i + 1}`
    const to = edge.layer === nodes.length - 2 ? 'output' : `neuron ${edge.layer + 1}.${edge.j + 1}`
    tip.textContent = `${from} → ${to}: w = ${fmt(w)}`
    const box = root.getBoundingClientRect()
    tip.style.left = `${e.clientX - box.left + 12}px`
    tip.style.top = `${e.clientY - box.top + 12}px`
    if (tip.parentElement !== root) root.append(tip)
  }

  /**
   * Redraws the weights and what each neuron computes: `outputs` holds, per hidden layer, its
   * activations over the NEURON_RES² grid (row-major [cells, units]), then the output's
   * probabilities.
   */
  const update = (w: ReadonlyArray<LayerWeights>, outputs: ReadonlyArray<ReadonlyArray<number>>): void => {
    weights = w
    for (const e of edges) {
      const lw = w[e.layer]
      const v = lw?.W[e.i * lw.nOut + e.j] ?? 0
      const m = Math.abs(v)
      e.path.setAttribute('stroke', css(v >= 0 ? BLUE : ORANGE))
      e.path.setAttribute('stroke-width', (0.6 + Math.min(5.4, 2.4 * m)).toFixed(2))
      e.path.setAttribute('stroke-opacity', Math.min(0.95, 0.2 + m / 1.6).toFixed(2))
    }
    const cells = NEURON_RES * NEURON_RES
    nodes.slice(1).forEach((col, l) => {
      const values = outputs[l]
      if (values === undefined) return
      const units = col.length
      const isOutput = l === nodes.length - 2
      col.forEach((n, j) => {
        const v = Array.from({ length: cells }, (_, c) => values[c * units + j]!)
        if (isOutput) fillHeat(n.canvas, v, (p) => probability(p, 0.85))
        else {
          const scale = Math.max(1, ...v.map((x) => (Number.isFinite(x) ? Math.abs(x) : 0)))
          fillHeat(n.canvas, v, (x) => diverging(x / scale, 0.9))
        }
        const b = w[l]?.b[j] ?? 0
        n.canvas.style.boxShadow = `0 0 0 ${Math.min(3, 0.5 + Math.abs(b))}px ${css(b >= 0 ? BLUE : ORANGE, 0.55)}`
      })
    })
  }

  return { build, update }
}

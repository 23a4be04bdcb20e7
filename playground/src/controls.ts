/**
 * The controls: each reads into the settings record and hands the new record on. The page
 * keeps no other copy of a setting, so `sync` can always show the record as it is.
 */
import { Rng } from 'puregrad'
import { drawThumbnail } from './boundary.js'
import { type Config, MAX_LAYERS, choices } from './config.js'
import { type DatasetName, datasetNames, datasetTitles, generate } from './datasets.js'

export interface ControlHandlers {
  readonly onConfig: (next: Config) => void
  readonly onPlay: () => void
  readonly onStep: () => void
  readonly onReset: () => void
}

const byId = <E extends HTMLElement>(id: string): E => {
  const e = document.getElementById(id)
  if (e === null) throw new Error(`the page has no element #${id}`)
  return e as E
}

const fillSelect = <V extends string | number>(select: HTMLSelectElement, values: ReadonlyArray<V>, label: (v: V) => string = String): void => {
  select.replaceChildren(...values.map((v) => Object.assign(document.createElement('option'), { value: String(v), textContent: label(v) })))
}

const titles: Readonly<Record<string, string>> = {
  tanh: 'Tanh',
  relu: 'ReLU',
  sigmoid: 'Sigmoid',
  linear: 'Linear',
  none: 'None',
  l1: 'L1',
  l2: 'L2',
  sgd: 'SGD',
  momentum: 'Momentum 0.9',
  rmsprop: 'RMSProp',
  adam: 'Adam',
}
const title = (v: string): string => titles[v] ?? v

export const bindControls = (initial: Config, h: ControlHandlers) => {
  let cfg = initial
  const set = (patch: Partial<Config>): void => {
    cfg = { ...cfg, ...patch }
    h.onConfig(cfg)
  }

  // the data sets, each a button with a small picture of it
  const datasets = byId<HTMLDivElement>('dataset')
  const buttons = datasetNames.map((name) => {
    const b = Object.assign(document.createElement('button'), { type: 'button', id: `dataset-${name}`, title: datasetTitles[name], className: 'dataset' })
    b.dataset['value'] = name
    const pic = document.createElement('canvas')
    drawThumbnail(pic, generate(name, Rng.key(7), 240, 0.05), 54)
    const caption = Object.assign(document.createElement('span'), { textContent: datasetTitles[name] })
    b.append(pic, caption)
    b.addEventListener('click', () => set({ dataset: name as DatasetName }))
    datasets.append(b)
    return b
  })

  const selects = {
    learningRate: byId<HTMLSelectElement>('learning-rate'),
    optimizer: byId<HTMLSelectElement>('optimizer'),
    activation: byId<HTMLSelectElement>('activation'),
    regularization: byId<HTMLSelectElement>('regularization'),
    regRate: byId<HTMLSelectElement>('reg-rate'),
    keep: byId<HTMLSelectElement>('dropout'),
  }
  fillSelect(selects.learningRate, choices.learningRate)
  fillSelect(selects.optimizer, choices.optimizer, title)
  fillSelect(selects.activation, choices.activation, title)
  fillSelect(selects.regularization, choices.regularization, title)
  fillSelect(selects.regRate, choices.regRate)
  fillSelect(selects.keep, choices.keep, (k) => (k === 1 ? '1 (no dropout)' : String(k)))
  selects.learningRate.addEventListener('change', () => set({ learningRate: Number(selects.learningRate.value) }))
  selects.optimizer.addEventListener('change', () => set({ optimizer: selects.optimizer.value as Config['optimizer'] }))
  selects.activation.addEventListener('change', () => set({ activation: selects.activation.value as Config['activation'] }))
  selects.regularization.addEventListener('change', () => {
    const regularization = selects.regularization.value as Config['regularization']
    // a penalty at rate 0 would do nothing: start from a small rate
    set({ regularization, ...(regularization !== 'none' && cfg.regRate === 0 ? { regRate: 0.003 } : {}) })
  })
  selects.regRate.addEventListener('change', () => set({ regRate: Number(selects.regRate.value) }))
  selects.keep.addEventListener('change', () => set({ keep: Number(selects.keep.value) }))

  // sliders show their value beside their name while they move, and apply it when let go
  const slider = (id: string, show: (v: number) => string, apply: (v: number) => void) => {
    const input = byId<HTMLInputElement>(id)
    const out = byId<HTMLOutputElement>(`${id}-value`)
    input.addEventListener('input', () => {
      out.textContent = show(Number(input.value))
    })
    input.addEventListener('change', () => apply(Number(input.value)))
    return (v: number): void => {
      input.value = String(v)
      out.textContent = show(v)
    }
  }
  const ratio = slider('train-ratio', (v) => `${v}%`, (v) => set({ trainRatio: v / 100 }))
  const noise = slider('noise', String, (v) => set({ noise: v / 100 }))
  const batch = slider('batch-size', String, (v) => set({ batchSize: v }))

  const seed = byId<HTMLInputElement>('seed')
  seed.addEventListener('change', () => {
    const v = Math.max(0, Math.floor(Number(seed.value)))
    if (Number.isFinite(v)) set({ seed: v })
  })
  byId('regenerate').addEventListener('click', () => set({ seed: cfg.seed + 1 }))

  const addLayer = byId<HTMLButtonElement>('add-layer')
  const removeLayer = byId<HTMLButtonElement>('remove-layer')
  addLayer.addEventListener('click', () => set({ hidden: [...cfg.hidden, cfg.hidden.at(-1) ?? 4] }))
  removeLayer.addEventListener('click', () => set({ hidden: cfg.hidden.slice(0, -1) }))

  const play = byId<HTMLButtonElement>('play')
  play.addEventListener('click', h.onPlay)
  byId('step').addEventListener('click', h.onStep)
  byId('reset').addEventListener('click', h.onReset)
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement | null
    if (e.code === 'Space' && t !== null && !['INPUT', 'SELECT', 'BUTTON', 'TEXTAREA'].includes(t.tagName)) {
      e.preventDefault()
      h.onPlay()
    }
  })

  /** Shows the settings record in the controls. */
  const sync = (next: Config): void => {
    cfg = next
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset['value'] === next.dataset))
    selects.learningRate.value = String(next.learningRate)
    selects.optimizer.value = next.optimizer
    selects.activation.value = next.activation
    selects.regularization.value = next.regularization
    selects.regRate.value = String(next.regRate)
    selects.regRate.disabled = next.regularization === 'none'
    selects.keep.value = String(next.keep)
    ratio(Math.round(next.trainRatio * 100))
    noise(Math.round(next.noise * 100))
    batch(next.batchSize)
    seed.value = String(next.seed)
    const n = next.hidden.length
    byId('layer-count').textContent = `${n} hidden layer${n === 1 ? '' : 's'}`
    addLayer.disabled = n >= MAX_LAYERS
    removeLayer.disabled = n === 0
  }

  const setRunning = (running: boolean): void => {
    play.setAttribute('aria-pressed', String(running))
    play.title = running ? 'Pause (space)' : 'Train (space)'
    play.setAttribute('aria-label', running ? 'Pause' : 'Train')
  }

  sync(initial)
  setRunning(false)
  return { sync, setRunning }
}

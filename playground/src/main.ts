/**
 * The page: the one place with mutable state. It holds the settings, the prepared data, the
 * model and the training session (all immutable values, replaced, never changed), trains in
 * time slices between animation frames, and redraws what changed. Where `navigator.gpu` gives an
 * adapter the steps run on WebGPU (one slice at a time, asynchronously); elsewhere on the wasm
 * kernels (or the JavaScript ones). Drawing always reads the weights on the host.
 */
import { Rng, type Tensor as T, useJsKernels, useWasmKernels, useWebGpu } from 'puregrad'
import { advise } from './advice.js'
import { createBoundary } from './boundary.js'
import { type Config, MAX_NEURONS, POINTS, defaults, needsReset } from './config.js'
import { bindControls } from './controls.js'
import { createCurves } from './curves.js'
import { generate } from './datasets.js'
import { NEURON_RES, createDiagram } from './diagram.js'
import { type Inputs, gridCoords, prepare } from './inputs.js'
import { type Model, buildModel, neuronOutputs, probabilities, sameShape, trainerOf, weightsOf } from './model.js'
import { bindStorage } from './storage.js'
import { type Session, advance, advanceOnGpu, latest, restartOptimizer, runFor, start, withWeights } from './train.js'

/** What the page reports to tests and curious readers: `window.__playground`, read-only. */
export interface PlaygroundHook {
  readonly ready: boolean
  readonly epoch: number
  readonly step: number
  readonly trainLoss: number
  readonly testLoss: number
  readonly trainAccuracy: number
  readonly testAccuracy: number
  readonly running: boolean
  readonly diverged: boolean
  readonly dataset: string
  readonly kernels: string
  /** where the training steps run */
  readonly backend: 'webgpu' | 'wasm' | 'js'
  readonly frames: number
  /** milliseconds a redraw takes (a moving average) */
  readonly renderMs: number
  /** what the last Save, Load, Download or Upload did */
  readonly storage: string
}

declare global {
  interface Window {
    __playground?: PlaygroundHook
  }
}

/** Cells per side of the decision-boundary grid. */
const BOUNDARY_RES = 60
/** Milliseconds of training per animation frame. */
const BUDGET_MS = 12

const byId = <E extends HTMLElement>(id: string): E => document.getElementById(id) as E

const main = async (): Promise<void> => {
  let kernels = 'js'
  let backend: PlaygroundHook['backend'] = 'js'
  try {
    const status = await useWasmKernels({ threads: 0 })
    kernels = status.kernels === 'wasm' ? 'wasm SIMD' : `js (${status.reason ?? 'no WebAssembly SIMD'})`
    if (status.kernels === 'wasm') backend = 'wasm'
  } catch (e) {
    useJsKernels()
    kernels = `js (${e instanceof Error ? e.message : String(e)})`
  }
  // training on WebGPU where there is an adapter; the host kernels above still draw
  try {
    const gpu = await useWebGpu()
    backend = 'webgpu'
    const name = [gpu.vendor, gpu.architecture].filter((x) => x !== '').join(' ') || 'GPU'
    kernels = `WebGPU (${gpu.fallback ? 'software adapter' : name}), drawing on ${kernels}`
  } catch {
    kernels = `${kernels} (no WebGPU adapter)`
  }
  byId('kernels').textContent = kernels

  const boundary = createBoundary(byId<HTMLCanvasElement>('boundary'), 300)
  const curves = createCurves(byId<HTMLCanvasElement>('curves'), 334, 110)
  const status = {
    epoch: byId('epoch'),
    trainLoss: byId('train-loss'),
    testLoss: byId('test-loss'),
    advice: byId('advice'),
  }
  const showTest = byId<HTMLInputElement>('show-test')
  const discretize = byId<HTMLInputElement>('discretize')

  let cfg: Config = defaults
  let inputs: Inputs
  let model: Model
  let session: Session
  let trainer: ReturnType<typeof trainerOf>
  let boundaryX: T.Tensor
  let neuronX: T.Tensor
  let running = false
  let dirty = true
  let frames = 0
  let renderMs = 0
  let storage = ''
  /** a slice of GPU steps in flight, and the run it belongs to (a newer run drops its result) */
  let busy = false
  let generation = 0

  const next = (s: Session): Session => advance(s, trainer, model, inputs, cfg.batchSize)

  /** A new run from the settings: data, split, features, network, fresh weights. */
  const rebuild = (c: Config): void => {
    generation++
    cfg = c
    const root = Rng.key(c.seed)
    const points = generate(c.dataset, Rng.foldIn(root, 0), POINTS, c.noise)
    inputs = prepare(points, c.features, c.trainRatio, Rng.foldIn(root, 1))
    model = buildModel(c)
    trainer = trainerOf(model, c)
    session = start(trainer, model, inputs, Rng.foldIn(root, 2), c.batchSize)
    boundaryX = inputs.encode(gridCoords(BOUNDARY_RES))
    neuronX = inputs.encode(gridCoords(NEURON_RES))
    diagram.build(c)
    controls.sync(c)
    dirty = true
  }

  /** New settings: a new run, or the same run with new step settings (learning rate, penalty, …). */
  const configure = (c: Config): void => {
    if (needsReset(cfg, c)) {
      rebuild(c)
      return
    }
    const m = buildModel(c)
    if (!sameShape(m, model)) return rebuild(c)
    const t = trainerOf(m, c)
    generation++
    if (c.optimizer !== cfg.optimizer) session = restartOptimizer(session, t)
    model = m
    trainer = t
    cfg = c
    controls.sync(c)
    dirty = true
  }

  const setRunning = (r: boolean): void => {
    running = r && !session.diverged
    controls.setRunning(running)
    publish()
  }

  const publish = (): void => {
    const now = latest(session)
    window.__playground = Object.freeze({
      ready: true,
      epoch: session.epoch,
      step: session.state.step,
      trainLoss: now.train.loss,
      testLoss: now.test.loss,
      trainAccuracy: now.train.accuracy,
      testAccuracy: now.test.accuracy,
      running,
      diverged: session.diverged,
      dataset: cfg.dataset,
      kernels,
      backend,
      frames,
      renderMs,
      storage,
    })
  }

  const render = (): void => {
    const vars = { params: session.state.params, state: session.state.modelState }
    const probs = probabilities(model, vars, boundaryX)
    boundary.draw(probs, BOUNDARY_RES, inputs.trainPoints, inputs.testPoints, {
      showTest: showTest.checked,
      discretize: discretize.checked,
    })
    diagram.update(weightsOf(model, session.state.params), neuronOutputs(model, vars, neuronX))
    curves.draw(session.history)
    const now = latest(session)
    const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'NaN')
    const pct = (v: number): string => `${(100 * v).toFixed(0)}%`
    status.epoch.textContent = String(session.epoch).padStart(6, '0').replace(/\B(?=(\d{3})+$)/g, ',')
    status.trainLoss.textContent = `${fmt(now.train.loss)} · ${pct(now.train.accuracy)} right`
    status.testLoss.textContent = `${fmt(now.test.loss)} · ${pct(now.test.accuracy)} right`
    const spread = probs.reduce((a, p) => Math.max(a, p), 0) - probs.reduce((a, p) => Math.min(a, p), 1)
    status.advice.textContent = advise(session, spread < 0.02)
  }

  const diagram = createDiagram(byId('network'), {
    onFeature: (name, on) => {
      const features = on ? [...cfg.features, name] : cfg.features.filter((f) => f !== name)
      if (features.length === 0) return diagram.build(cfg) // at least one input
      configure({ ...cfg, features })
    },
    onNeurons: (layer, delta) =>
      configure({ ...cfg, hidden: cfg.hidden.map((n, k) => (k === layer ? Math.max(1, Math.min(MAX_NEURONS, n + delta)) : n)) }),
  })

  const controls = bindControls(cfg, {
    onConfig: configure,
    onPlay: () => setRunning(!running),
    onStep: () => {
      setRunning(false)
      if (backend !== 'webgpu') {
        session = runFor(session, Number.POSITIVE_INFINITY, next, session.epoch + 1)
        dirty = true
        return
      }
      const target = session.epoch + 1
      const slice = (): void => {
        if (session.epoch >= target || session.diverged) return
        onGpu(Number.POSITIVE_INFINITY, slice)
      }
      slice()
    },
    onReset: () => {
      setRunning(false)
      rebuild(cfg)
    },
  })
  bindStorage({
    current: () => ({ network: model.network, inShape: [inputs.features.length], params: session.state.params, state: session.state.modelState }),
    adopt: (vars) => {
      setRunning(false)
      generation++ // a GPU slice still in flight belongs to the weights replaced here
      session = withWeights(session, trainer, model, inputs, vars)
      dirty = true
    },
    say: (message) => {
      storage = message
      byId('storage-status').textContent = message
      publish()
    },
  })
  showTest.addEventListener('change', () => (dirty = true))
  discretize.addEventListener('change', () => (dirty = true))

  /** Steps on the GPU for `budget` ms (at most to the end of the epoch), then `then`; one slice at a time. */
  const onGpu = (budget: number, then: () => void = () => undefined): void => {
    if (busy) {
      setTimeout(() => onGpu(budget, then), 5) // after the slice in flight
      return
    }
    busy = true
    const run = generation
    advanceOnGpu(session, trainer, model, inputs, cfg.batchSize, budget).then(
      (s) => {
        busy = false
        if (run !== generation) return
        session = s
        if (session.diverged) setRunning(false)
        dirty = true
        then()
      },
      (e: unknown) => {
        busy = false
        setRunning(false)
        throw e
      },
    )
  }

  const frame = (): void => {
    if (running && backend === 'webgpu') {
      if (!busy) onGpu(BUDGET_MS)
    }
    else if (running) {
      session = runFor(session, BUDGET_MS, next)
      if (session.diverged) setRunning(false)
      dirty = true
    }
    if (dirty) {
      const t0 = performance.now()
      render()
      renderMs = 0.9 * renderMs + 0.1 * (performance.now() - t0)
      dirty = false
    }
    frames++
    publish()
    requestAnimationFrame(frame)
  }

  rebuild(cfg)
  frame()
}

main().catch((e: unknown) => {
  const box = document.getElementById('fatal')
  if (box !== null) {
    box.hidden = false
    box.textContent = `The playground stopped: ${e instanceof Error ? e.message : String(e)}`
  }
  throw e
})

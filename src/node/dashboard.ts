/**
 * The live dashboard: a local web page (node:http, on 127.0.0.1) that draws training runs as
 * their events arrive and the trials of studies as their storage fills. Runs are fed in this
 * process (`fitListener`, `feed`); studies are read from their storage every `pollMs`. The page
 * gets everything over one Server-Sent Events stream (`/events`); `/api/runs` and
 * `/api/studies` give the same views as JSON.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, error, fail } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import type { StudyStorage } from '../study/storage.js'
import type { FitEvent } from '../train/fit.js'
import { type DashboardEvent, type RunView, type StudyView, applyEvent, checkEvent, emptyRun, fromFitEvent, readStudy } from './dashboardModel.js'
import { dashboardPage } from './dashboardPage.js'

export type { DashboardEvent, RunView, StudyView } from './dashboardModel.js'

/** Options of `serveDashboard`. */
export interface DashboardOptions {
  /** the port on 127.0.0.1 (default 0: a free one, see `url`) */
  readonly port?: number
  /** studies to show from the start, each read from its storage */
  readonly studies?: ReadonlyArray<{ readonly name: string; readonly storage: StudyStorage }>
  /** how often the studies' storage is read again (default 1000 ms) */
  readonly pollMs?: number
}

/** A running dashboard. @category model */
export interface Dashboard {
  /** where the page is, e.g. `http://127.0.0.1:6006/` */
  readonly url: string
  /** Shows one event of a run (runs appear with their first event). */
  readonly feed: (event: DashboardEvent) => void
  /** A callback for `Train.fit` (or a loop over `fitAsync`) that feeds the run `run`'s events. */
  readonly fitListener: (run: string) => (e: FitEvent) => void
  /** Shows the study `name` of `storage`, read again every `pollMs`. */
  readonly watchStudy: (name: string, storage: StudyStorage) => Promise<StudyView>
  /** Reads every watched study now and sends what changed; resolves with their views. */
  readonly refresh: () => Promise<ReadonlyArray<StudyView>>
  readonly runs: () => ReadonlyArray<RunView>
  /** Ends the page streams and stops the server (the storages stay open: they are the caller's). */
  readonly close: () => Promise<void>
}

const OPTIONS = ['port', 'studies', 'pollMs']

/**
 * Starts the dashboard on 127.0.0.1 and resolves once it listens. Open `url` in a browser; pass
 * `fitListener(name)` to `Train.fit` as its event callback (or call it inside your own), and
 * `watchStudy` a study's storage. With a synchronous `Train.fit` the page is only updated while
 * the event loop turns: train with `Train.fitAsync` to see the curves grow.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Data, Loss, Net, Optim, Rng, Study, Tensor as T, Train } from 'puregrad'
 * import { serveDashboard } from 'puregrad/node'
 * const dashboard = await serveDashboard({ port: 0 })
 * try {
 *   const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.1), loss: Loss.meanSquaredError }
 *   const train = Data.dataset(T.tensor([[1], [2], [3]]), T.tensor([[2], [4], [6]]))
 *   Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 2, batchSize: 2 }, dashboard.fitListener('line'))
 *   const [run] = dashboard.runs() // what GET /api/runs answers, and the page draws
 *   assert.deepStrictEqual([run?.name, run?.status, run?.batches.length, run?.epochs.length], ['line', 'epochs', 4, 2])
 *   assert.match(await (await fetch(dashboard.url)).text(), /<title>puregrad dashboard<\/title>/)
 *   const storage = Study.memoryStorage()
 *   const study = await Study.open({ name: 'x', space: { x: Train.uniformParam(0, 1) }, sampler: Study.randomSampler({ seed: 0 }), storage })
 *   await study.optimize((t) => t.params.x as number, { trials: 3 })
 *   assert.strictEqual((await dashboard.watchStudy('x', storage)).trials.length, 3)
 * } finally {
 *   await dashboard.close()
 * }
 * @category dashboard
 */
export const serveDashboard = async (opts: DashboardOptions = {}): Promise<Dashboard> => {
  const op = 'serveDashboard'
  checkOptions(op, opts, OPTIONS)
  const port = opts.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('INVALID_ARGUMENT', op, `port must be a whole number from 0 to 65535 (0: any free port); got ${describe(port)}.`)
  const pollMs = opts.pollMs ?? 1000
  if (typeof pollMs !== 'number' || !(pollMs >= 10) || !Number.isFinite(pollMs)) fail('INVALID_ARGUMENT', op, `pollMs must be a number of milliseconds ≥ 10; got ${describe(pollMs)}.`)

  const runs = new Map<string, RunView>()
  const studies = new Map<string, { storage: StudyStorage; view: StudyView | undefined; json: string }>()
  const clients = new Set<ServerResponse>()
  const page = dashboardPage()

  const send = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }
  const broadcast = (event: string, data: unknown): void => {
    for (const c of clients) send(c, event, data)
  }
  const studyViews = (): StudyView[] => [...studies.values()].flatMap((s) => (s.view === undefined ? [] : [s.view]))

  const feed = (event: DashboardEvent): void => {
    const e = checkEvent('feed', event)
    runs.set(e.run, applyEvent(runs.get(e.run) ?? emptyRun(e.run), e))
    broadcast('run', e)
  }

  const readOne = async (name: string): Promise<StudyView> => {
    const s = studies.get(name)!
    const view = await readStudy(name, s.storage)
    const json = JSON.stringify(view)
    if (json !== s.json && studies.get(name) === s) {
      s.view = view
      s.json = json
      broadcast('study', view)
    }
    return view
  }
  const refresh = (): Promise<StudyView[]> => Promise.all([...studies.keys()].map(readOne))
  const watchStudy = async (name: string, storage: StudyStorage): Promise<StudyView> => {
    if (typeof name !== 'string' || name === '') fail('INVALID_ARGUMENT', 'watchStudy', `the study name must be a non-empty string; got ${describe(name)}.`)
    if (typeof storage !== 'object' || storage === null || typeof storage.trials !== 'function') {
      fail('INVALID_ARGUMENT', 'watchStudy', `the storage must be a study storage (Study.memoryStorage(), journalStorage(file), postgresStorage(…)); got ${describe(storage)}.`)
    }
    studies.set(name, { storage, view: undefined, json: '' })
    return readOne(name)
  }
  for (const s of opts.studies ?? []) await watchStudy(s.name, s.storage)

  const json = (res: ServerResponse, data: unknown): void => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(JSON.stringify(data))
  }
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // only pages of this machine's own names: a page of another site that resolves its name to
    // 127.0.0.1 (DNS rebinding) is refused
    const host = (req.headers.host ?? '').replace(/:\d+$/, '')
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('the dashboard answers only to 127.0.0.1 and localhost')
      return
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method !== 'GET') res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain' }).end('the dashboard is read with GET')
    else if (path === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page)
    else if (path === '/api/runs') json(res, [...runs.values()])
    else if (path === '/api/studies') json(res, studyViews())
    else if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' })
      send(res, 'snapshot', { runs: [...runs.values()], studies: studyViews() })
      clients.add(res)
      req.on('close', () => clients.delete(res))
    } else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: the dashboard serves /, /events, /api/runs and /api/studies')
  }

  const server = createServer(handle)
  await new Promise<void>((ok, no) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      no(error('INVALID_ARGUMENT', op, e.code === 'EADDRINUSE' ? `port ${port} is in use on 127.0.0.1; choose another port, or 0 for any free one.` : `cannot listen on 127.0.0.1:${port} (${e.message}); choose another port, or 0 for any free one.`)),
    )
    server.listen(port, '127.0.0.1', () => ok())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  let polling = false
  const timer = setInterval(() => {
    if (polling || studies.size === 0) return
    polling = true
    void refresh().finally(() => (polling = false))
  }, pollMs)
  timer.unref()

  return Object.freeze({
    url,
    feed,
    fitListener: (run: string) => {
      if (typeof run !== 'string' || run === '') fail('INVALID_ARGUMENT', 'fitListener', `the run name must be a non-empty string; got ${describe(run)}.`)
      return (e: FitEvent) => feed(fromFitEvent(run, e))
    },
    watchStudy,
    refresh,
    runs: () => [...runs.values()],
    close: async () => {
      clearInterval(timer)
      for (const c of clients) c.end()
      clients.clear()
      await new Promise<void>((ok) => {
        server.close(() => ok())
        server.closeAllConnections()
      })
    },
  })
}

// The dashboard server on a free port: fit's events and a study's trials come out of the event
// stream and the JSON endpoints as the small views the page draws; wrong input is refused.
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { Data, Loss, Net, Optim, Rng, Study, Tensor as T, Train } from '../../src/index.js'
import { type Dashboard, type DashboardEvent, serveDashboard } from '../../src/node/index.js'

/** The messages of a Server-Sent Events stream, as they arrive. */
const openStream = async (url: string) => {
  const res = await fetch(url)
  expect(res.headers.get('content-type')).toBe('text/event-stream')
  const reader = res.body!.getReader()
  const messages: Array<{ event: string; data: unknown }> = []
  let text = ''
  const decoder = new TextDecoder()
  /** Waits until `n` messages have arrived, and returns them. */
  const take = async (n: number) => {
    while (messages.length < n) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`the stream ended after ${messages.length} messages`)
      text += decoder.decode(value, { stream: true })
      for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
        const lines = text.slice(0, i).split('\n')
        text = text.slice(i + 2)
        messages.push({ event: lines.find((l) => l.startsWith('event: '))!.slice(7), data: JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) })
      }
    }
    return messages.slice(0, n)
  }
  return { take, ended: async () => (await reader.read()).done }
}

const trainer = { network: Net.dense(1), optimizer: Optim.sgd(0.01), loss: Loss.meanSquaredError }
const train = Data.dataset(T.tensor([[1], [2], [3], [4]]), T.tensor([[2], [4], [6], [8]]))
const dev = Data.dataset(T.tensor([[5]]), T.tensor([[10]]))

let dashboard: Dashboard | undefined
afterEach(async () => {
  await dashboard?.close()
  dashboard = undefined
})

describe('serveDashboard', () => {
  it('streams a snapshot, then every fit event of a run, and serves the run as JSON', async () => {
    dashboard = await serveDashboard({ port: 0 })
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const stream = await openStream(`${dashboard.url}events`)
    expect(await stream.take(1)).toEqual([{ event: 'snapshot', data: { runs: [], studies: [] } }])

    Train.fit(trainer, Train.initFit(trainer, Rng.key(0), [1]), train, { epochs: 3, batchSize: 2, dev }, dashboard.fitListener('line'))
    const messages = (await stream.take(1 + 3 * 3 + 1)).slice(1)
    expect(messages.map((m) => m.event)).toEqual(Array(10).fill('run'))
    const events = messages.map((m) => m.data as DashboardEvent)
    expect(events.map((e) => e.type)).toEqual(['batch', 'batch', 'epoch', 'batch', 'batch', 'epoch', 'batch', 'batch', 'epoch', 'end'])
    expect(events[1]).toMatchObject({ type: 'batch', run: 'line', epoch: 0, batch: 1, batches: 2, step: 2 })
    expect(events[5]).toMatchObject({ type: 'epoch', run: 'line', epoch: 1, step: 4, trainAccuracy: null })
    expect(events[9]).toEqual({ type: 'end', run: 'line', reason: 'epochs' })

    const runs = await (await fetch(`${dashboard.url}api/runs`)).json()
    expect(runs).toHaveLength(1)
    expect(runs[0].name).toBe('line')
    expect(runs[0].status).toBe('epochs')
    expect(runs[0].batches.map((b: [number, number]) => b[0])).toEqual([1, 2, 3, 4, 5, 6])
    expect(runs[0].epochs.map((e: { step: number }) => e.step)).toEqual([2, 4, 6])
    // the losses are the ones fit reported, and they fall
    const dl = runs[0].epochs.map((e: { devLoss: number }) => e.devLoss)
    expect(dl[2]).toBeLessThan(dl[0])

    // a page that connects later gets it all in its snapshot
    const late = await openStream(`${dashboard.url}events`)
    const [snap] = await late.take(1)
    expect(snap!.data).toEqual({ runs, studies: [] })
    await dashboard.close()
    expect(await stream.ended()).toBe(true)
    dashboard = undefined
  })

  it('sends a non-finite loss as null, and a diverged run as such', async () => {
    dashboard = await serveDashboard()
    const wild = { ...trainer, optimizer: Optim.sgd(1e6) }
    Train.fit(wild, Train.initFit(wild, Rng.key(0), [1]), train, { epochs: 20, batchSize: 2 }, dashboard.fitListener('wild'))
    const run = (await (await fetch(`${dashboard.url}api/runs`)).json())[0]
    expect(run.status).toBe('diverged')
    const listen = dashboard.fitListener('nan')
    listen({ type: 'batch', epoch: 0, batch: 0, batches: 1, step: 1, loss: Number.NaN, state: undefined as never })
    listen({ type: 'batch', epoch: 0, batch: 1, batches: 1, step: 2, loss: Number.POSITIVE_INFINITY, state: undefined as never })
    const nan = (await (await fetch(`${dashboard.url}api/runs`)).json())[1]
    expect(nan.batches).toEqual([[1, null], [2, null]])
  })

  it('shows a study from its storage, and sends the trials that come later', async () => {
    const storage = Study.memoryStorage()
    const study = await Study.open({ name: 'lr', space: { lr: Train.logUniform(1e-3, 1), act: Train.choice('relu', 'tanh') }, sampler: Study.randomSampler({ seed: 1 }), storage })
    await study.optimize((t) => (t.params.lr as number) * 2, { trials: 2 })
    dashboard = await serveDashboard({ studies: [{ name: 'lr', storage }], pollMs: 60_000 })
    const stream = await openStream(`${dashboard.url}events`)
    const [snap] = await stream.take(1)
    const view = (snap!.data as { studies: Array<{ name: string; direction: string; params: unknown; trials: Array<{ number: number; state: string; value: number; params: { lr: number } }> }> }).studies[0]!
    expect(view.name).toBe('lr')
    expect(view.direction).toBe('min')
    expect(view.params).toEqual([{ name: 'lr', kind: 'logUniform' }, { name: 'act', kind: 'choice' }])
    expect(view.trials.map((t) => [t.number, t.state, t.value])).toEqual(view.trials.map((t) => [t.number, 'complete', t.params.lr * 2]))
    expect(view.trials).toHaveLength(2)

    await study.optimize((t) => (t.params.lr as number) * 2, { trials: 1 })
    await dashboard.refresh()
    await dashboard.refresh() // nothing changed: nothing sent
    const [, next] = await stream.take(2)
    expect(next!.event).toBe('study')
    expect((next!.data as { trials: unknown[] }).trials).toHaveLength(3)
    expect((await (await fetch(`${dashboard.url}api/studies`)).json())[0].trials).toHaveLength(3)
    // a study that is not there says so, and so does the page
    expect((await dashboard.watchStudy('nope', storage)).error).toMatch(/there is no study 'nope'/)
  })

  it('serves the page, and refuses other paths, methods and hosts', async () => {
    dashboard = await serveDashboard()
    const page = await fetch(dashboard.url)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toMatch(/new EventSource\('\/events'\)/)
    expect((await fetch(`${dashboard.url}nothing`)).status).toBe(404)
    expect((await fetch(`${dashboard.url}api/runs`, { method: 'POST' })).status).toBe(405)
    // a page of another site whose name resolves to 127.0.0.1 (fetch cannot forge Host: use http)
    const status = await new Promise<number>((ok, no) => {
      const url = new URL(dashboard!.url)
      request({ host: '127.0.0.1', port: url.port, path: '/api/runs', headers: { Host: 'evil.example:80' } }, (res) => {
        res.resume()
        ok(res.statusCode ?? 0)
      })
        .on('error', no)
        .end()
    })
    expect(status).toBe(403)
  })

  it('refuses bad options and events with a PuregradError that says what to pass', async () => {
    await expect(serveDashboard({ port: -1 })).rejects.toThrow(/serveDashboard: port must be a whole number from 0 to 65535/)
    await expect(serveDashboard({ pollMs: 0 })).rejects.toThrow(/pollMs must be a number of milliseconds ≥ 10/)
    await expect(serveDashboard({ prot: 80 } as never)).rejects.toMatchObject({ name: 'PuregradError', code: 'INVALID_ARGUMENT' })
    dashboard = await serveDashboard()
    const taken = Number(new URL(dashboard.url).port)
    await expect(serveDashboard({ port: taken })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/port \d+ is in use/) })
    expect(() => dashboard!.feed({ type: 'step', run: 'a' } as never)).toThrow(/feed: expected an event \{ type: 'batch' \| 'epoch' \| 'end'.*dashboard\.fitListener/)
    expect(() => dashboard!.fitListener('')).toThrow(/fitListener: the run name must be a non-empty string/)
    await expect(dashboard.watchStudy('s', {} as never)).rejects.toThrow(/watchStudy: the storage must be a study storage/)
  })
})

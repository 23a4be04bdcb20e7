/**
 * The page of storage-browser.test.ts, bundled by Vite: a fixed model, its outputs as bits, and
 * the steps the test drives (save, load after a reload, damage a stored record, download, read a
 * picked file). Each step returns plain data for the test to judge.
 */
import * as E from 'fp-ts/lib/Either.js'
import { deleteFromIndexedDb, downloadModel, listIndexedDb, loadFromIndexedDb, modelFromFile, saveToIndexedDb } from '../../src/browser/index.js'
import type { Model } from '../../src/net/codec.js'
import { Net, Rng, Tensor as T } from '../../src/index.js'

const network = Net.serial(Net.dense(16), Net.relu, Net.batchNorm(), Net.dense(8), Net.tanh, Net.dense(3))
const model: Model = { network, inShape: [5], ...Net.init(network, { key: Rng.key(11), inShape: [5] }) }
const x = Rng.normal(Rng.key(12), [7, 5])

/** The outputs of a model on the fixed inputs, each float64 as 16 hex digits (bit for bit). */
const bits = (m: Model): string[] =>
  T.toArray(Net.predict(m.network, m, x)).map((v) => [...new Uint8Array(new Float64Array([v]).buffer)].map((b) => b.toString(16).padStart(2, '0')).join(''))

const outcome = (r: E.Either<{ code: string; message: string }, Model>): { code?: string; message?: string; bits?: string[] } =>
  E.isRight(r) ? { bits: bits(r.right) } : { code: r.left.code, message: r.left.message }

/** The raw store, for damaging a record as a bug or a disk error would. */
const rawStore = async <A>(f: (s: IDBObjectStore) => IDBRequest<A>): Promise<A> => {
  const db = await new Promise<IDBDatabase>((ok, ko) => {
    const req = indexedDB.open('puregrad')
    req.onsuccess = () => ok(req.result)
    req.onerror = () => ko(req.error)
  })
  try {
    const tx = db.transaction('models', 'readwrite')
    const req = f(tx.objectStore('models'))
    const result = await new Promise<A>((ok, ko) => {
      req.onsuccess = () => ok(req.result)
      req.onerror = () => ko(req.error)
    })
    await new Promise<void>((ok, ko) => {
      tx.oncomplete = () => ok()
      tx.onerror = () => ko(tx.error)
    })
    return result
  } finally {
    db.close()
  }
}

/** Before the reload: the original's outputs, saved under three names. */
export const save = async (): Promise<{ bits: string[]; names: ReadonlyArray<string> }> => {
  for (const n of await listIndexedDb()) await deleteFromIndexedDb(n)
  for (const n of ['model', 'flipped', 'wrong']) await saveToIndexedDb(n, model)
  return { bits: bits(model), names: await listIndexedDb() }
}

/** After the reload: the loaded model's outputs, and the refusals of damaged and missing records. */
export const load = async (): Promise<Record<string, unknown>> => {
  const loaded = outcome(await loadFromIndexedDb('model'))
  // one weight byte changed in the stored bytes
  const rec = (await rawStore((s) => s.get('flipped'))) as { document: string; weights: ArrayBuffer; savedAt: string }
  const w = new Uint8Array(rec.weights)
  w[w.length - 5] = w[w.length - 5]! ^ 0x40
  await rawStore((s) => s.put(rec, 'flipped'))
  const flipped = outcome(await loadFromIndexedDb('flipped'))
  // the weights as something other than bytes
  await rawStore((s) => s.put({ ...rec, weights: 'not bytes' }, 'wrong'))
  const wrong = outcome(await loadFromIndexedDb('wrong'))
  const missing = outcome(await loadFromIndexedDb('nothing'))
  const deleted = [await deleteFromIndexedDb('wrong'), await deleteFromIndexedDb('wrong')]
  return { loaded, flipped, wrong, missing, deleted, names: await listIndexedDb() }
}

/**
 * A save that fails after its record was put but before the transaction commits (the browser
 * aborts it, as on a quota or disk error): the save rejects, and the model saved before under
 * that name is still there, whole.
 */
export const interruptedSave = async (): Promise<{ rejected: { code?: string; message?: string }; after: ReturnType<typeof outcome> }> => {
  const other = { ...model, ...Net.init(network, { key: Rng.key(99), inShape: [5] }) }
  const put = IDBObjectStore.prototype.put
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    const req = put.apply(this, args)
    req.addEventListener('success', () => this.transaction.abort())
    return req
  }
  let rejected: { code?: string; message?: string } = {}
  try {
    await saveToIndexedDb('model', other)
  } catch (e) {
    rejected = { code: String((e as { code?: string }).code), message: (e as Error).message }
  } finally {
    IDBObjectStore.prototype.put = put
  }
  return { rejected, after: outcome(await loadFromIndexedDb('model')) }
}

/** Offers the model as a download. */
export const download = (): void => downloadModel(model, 'net.json')

/** Reads the file picked in the page's <input type=file>. */
export const picked = async (): Promise<ReturnType<typeof outcome>> => {
  const input = document.getElementById('pick') as HTMLInputElement
  return outcome(await modelFromFile(input.files![0]!))
}

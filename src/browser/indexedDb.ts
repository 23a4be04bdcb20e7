/**
 * Models in the browser's IndexedDB: one database (`puregrad`), one object store (`models`)
 * keyed by the model's name. A record holds the split form of `Net.encodeSplit`: the small JSON
 * document and the safetensors weights as an ArrayBuffer, put in one transaction, so a model is
 * either saved whole or not at all. Loading trusts nothing it reads: the record's shape, the
 * document's checksum, the weights' size and checksum and every tensor are checked (as by
 * `Net.decodeSplit`) before a model is returned.
 *
 * The async API keeps the boundary rule: reading stored data (untrusted) resolves to an Either,
 * Left with a coded error for a missing or corrupt model; operations that write, list or delete
 * reject with a PuregradError when they fail. Every function rejects with a PuregradError on a
 * bad argument. Where there is no IndexedDB (Node, a worker without it) the code is FILE_ERROR.
 */
import * as E from 'fp-ts/lib/Either.js'
import { PuregradError, error } from '../core/errors.js'
import { checkOptions } from '../core/options.js'
import { type DecodeOptions, type Model, decodeWith, encodeSplit } from '../net/codec.js'
import { checkSavable } from './checked.js'

/** The database and the object store models are kept in. */
const DATABASE = 'puregrad'
const STORE = 'models'
const DB_VERSION = 1
/** The weights file name the stored documents refer to (the record holds the bytes). */
const WEIGHTS = 'model.safetensors'
/** The longest model name. */
const MAX_NAME = 1000

/** One stored model: the split document and its weights. */
interface StoredModel {
  readonly document: string
  readonly weights: ArrayBuffer
  /** when it was saved, ISO 8601 */
  readonly savedAt: string
}

const noIndexedDb = (op: string): PuregradError =>
  error('FILE_ERROR', op, 'this runtime has no indexedDB (Node, or a browser context without storage). In a browser page call it from the page; in Node save to a file with saveModelFile/loadModelFile from puregrad/node.')

const storageError = (op: string, what: string, e: unknown): PuregradError =>
  error(
    'FILE_ERROR',
    op,
    `IndexedDB could not ${what}: ${e instanceof Error || e instanceof DOMException ? `${e.name}: ${e.message}` : String(e)}. A QuotaExceededError means the origin's storage is full (delete models with deleteFromIndexedDb); in a private window or with site data blocked, storage may be refused; nothing was changed.`,
  )

const checkName = (op: string, name: unknown): string => {
  if (typeof name !== 'string' || name === '' || name.length > MAX_NAME)
    throw error('INVALID_ARGUMENT', op, `name must be a non-empty string of at most ${MAX_NAME} characters naming the model in storage; got ${typeof name === 'string' ? `a string of ${name.length}` : JSON.stringify(name) ?? typeof name}.`)
  return name
}

const factory = (): IDBFactory | undefined => (globalThis as { indexedDB?: IDBFactory }).indexedDB

/** A request's result as a promise. */
const done = <A>(req: IDBRequest<A>): Promise<A> =>
  new Promise((ok, ko) => {
    req.onsuccess = () => ok(req.result)
    req.onerror = () => ko(req.error)
  })

/** Opens the database (creating the store on first use), runs `f` in one transaction, and closes it. */
const withStore = async <A>(op: string, mode: IDBTransactionMode, what: string, f: (store: IDBObjectStore) => Promise<A>): Promise<A> => {
  const idb = factory()
  if (idb === undefined) throw noIndexedDb(op)
  let db: IDBDatabase
  try {
    db = await new Promise<IDBDatabase>((ok, ko) => {
      const req = idb.open(DATABASE, DB_VERSION)
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE)
      }
      req.onsuccess = () => ok(req.result)
      req.onerror = () => ko(req.error)
      req.onblocked = () => ko(new Error(`the database ${DATABASE} is held at an older version by another tab; close other tabs of this site`))
    })
  } catch (e) {
    throw storageError(op, 'open its database', e)
  }
  try {
    const tx = db.transaction(STORE, mode, { durability: 'strict' })
    const complete = new Promise<void>((ok, ko) => {
      tx.oncomplete = () => ok()
      tx.onerror = () => ko(tx.error)
      tx.onabort = () => ko(tx.error ?? new Error('the transaction was aborted'))
    })
    complete.catch(() => undefined) // awaited below; a failing request rejects first
    const result = await f(tx.objectStore(STORE))
    await complete // written and committed (durably), or the whole transaction undone
    return result
  } catch (e) {
    throw e instanceof PuregradError ? e : storageError(op, what, e)
  } finally {
    db.close()
  }
}

/**
 * Saves a model in the browser's IndexedDB under `name`, replacing any model of that name. The
 * record is the split form (`Net.encodeSplit`): the JSON document and the safetensors weights as
 * an ArrayBuffer, written in one transaction, so a failure leaves the old record (or none) and
 * never half a model. The model is checked first: its network must be valid and its params and
 * state those the network makes for its input shape (TREE_MISMATCH otherwise). Resolves when the
 * transaction has committed; rejects with a PuregradError: INVALID_ARGUMENT for a bad name,
 * FILE_ERROR where there is no IndexedDB (Node) or the browser refuses to store (quota, …).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng } from 'puregrad'
 * import { loadFromIndexedDb, saveToIndexedDb } from 'puregrad/browser'
 * const network = Net.serial(Net.dense(4), Net.relu, Net.dense(2))
 * const model = { network, inShape: [3], ...Net.init(network, { key: Rng.key(0), inShape: [3] }) }
 * if (!('indexedDB' in globalThis)) {
 *   // Node has no IndexedDB: refused with a coded error (use saveModelFile from puregrad/node)
 *   await assert.rejects(saveToIndexedDb('my-model', model), { code: 'FILE_ERROR' })
 * } else {
 *   await saveToIndexedDb('my-model', model)
 *   assert.ok(E.isRight(await loadFromIndexedDb('my-model')))
 * }
 * @category storage
 */
export const saveToIndexedDb = async (name: string, model: Model): Promise<void> => {
  const op = 'saveToIndexedDb'
  checkName(op, name)
  const { document, weights } = encodeSplit(model, WEIGHTS) // refuses what is not a model
  checkSavable(op, model)
  // a copy of exactly the bytes, as an ArrayBuffer of its own
  const buffer = weights.slice().buffer as ArrayBuffer
  const record: StoredModel = { document, weights: buffer, savedAt: new Date().toISOString() }
  await withStore(op, 'readwrite', `save the model ${JSON.stringify(name)}`, (store) => done(store.put(record, name)))
}

/**
 * Loads the model saved under `name` by `saveToIndexedDb`. Resolves to an Either, never to a
 * half-loaded model: Right with the model, or Left with a coded error: FILE_ERROR when there is
 * no model of that name, no IndexedDB (Node) or the browser refuses to read; INVALID_VALUE when
 * the stored record is damaged (not a record of this library, a document or weights whose
 * checksum does not match, tensors that do not fit the network). `options` are those of
 * `Net.decode` (`budget`, `layers`). Rejects only for a bad argument (INVALID_ARGUMENT).
 *
 * @example
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { Net, Rng, Tensor as T } from 'puregrad'
 * import { loadFromIndexedDb, saveToIndexedDb } from 'puregrad/browser'
 * const loaded = await loadFromIndexedDb('no-such-model')
 * assert.ok(E.isLeft(loaded) && loaded.left.code === 'FILE_ERROR') // nothing of that name (or no IndexedDB, in Node)
 * if ('indexedDB' in globalThis) {
 *   const network = Net.dense(2)
 *   const model = { network, inShape: [3], ...Net.init(network, { key: Rng.key(0), inShape: [3] }) }
 *   await saveToIndexedDb('dense', model)
 *   const back = await loadFromIndexedDb('dense')
 *   const x = T.tensor([[1, 2, 3]])
 *   assert.ok(E.isRight(back) && T.equals(Net.predict(network, back.right, x), Net.predict(network, model, x)))
 * }
 * @category storage
 */
export const loadFromIndexedDb = async (name: string, options: DecodeOptions = {}): Promise<E.Either<PuregradError, Model>> => {
  const op = 'loadFromIndexedDb'
  checkName(op, name)
  checkOptions(op, options, ['budget', 'layers'])
  if (factory() === undefined) return E.left(noIndexedDb(op))
  let stored: unknown
  try {
    stored = await withStore(op, 'readonly', `read the model ${JSON.stringify(name)}`, (store) => done(store.get(name)))
  } catch (e) {
    if (e instanceof PuregradError) return E.left(e)
    throw e
  }
  if (stored === undefined) return E.left(error('FILE_ERROR', op, `there is no model named ${JSON.stringify(name)} in IndexedDB; listIndexedDb() gives the names saved in this origin.`))
  const r = stored as Partial<StoredModel> | null
  if (typeof r !== 'object' || r === null || typeof r.document !== 'string' || !(r.weights instanceof ArrayBuffer))
    return E.left(error('INVALID_VALUE', op, `the record ${JSON.stringify(name)} is not a model saved by saveToIndexedDb (it needs a document string and weights as an ArrayBuffer); it was written by other code or damaged: save the model again, or delete it with deleteFromIndexedDb.`))
  const weights = new Uint8Array(r.weights)
  return decodeWith(op, r.document, options, () => E.right(weights))
}

/**
 * The names of the models saved in this origin's IndexedDB, in order. Rejects with FILE_ERROR
 * where there is no IndexedDB (Node) or the browser refuses to read.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng } from 'puregrad'
 * import { listIndexedDb, saveToIndexedDb } from 'puregrad/browser'
 * if (!('indexedDB' in globalThis)) await assert.rejects(listIndexedDb(), { code: 'FILE_ERROR' })
 * else {
 *   const network = Net.dense(1)
 *   await saveToIndexedDb('listed', { network, inShape: [2], ...Net.init(network, { key: Rng.key(0), inShape: [2] }) })
 *   assert.ok((await listIndexedDb()).includes('listed'))
 * }
 * @category storage
 */
export const listIndexedDb = async (): Promise<ReadonlyArray<string>> =>
  withStore('listIndexedDb', 'readonly', 'list the saved models', async (store) => (await done(store.getAllKeys())).filter((k): k is string => typeof k === 'string'))

/**
 * Deletes the model saved under `name`; resolves to whether there was one. Rejects with
 * FILE_ERROR where there is no IndexedDB (Node) or the browser refuses to write.
 *
 * @example
 * import assert from 'node:assert/strict'
 * import { Net, Rng } from 'puregrad'
 * import { deleteFromIndexedDb, listIndexedDb, saveToIndexedDb } from 'puregrad/browser'
 * if (!('indexedDB' in globalThis)) await assert.rejects(deleteFromIndexedDb('old'), { code: 'FILE_ERROR' })
 * else {
 *   const network = Net.dense(1)
 *   await saveToIndexedDb('old', { network, inShape: [2], ...Net.init(network, { key: Rng.key(0), inShape: [2] }) })
 *   assert.strictEqual(await deleteFromIndexedDb('old'), true)
 *   assert.ok(!(await listIndexedDb()).includes('old'))
 *   assert.strictEqual(await deleteFromIndexedDb('old'), false)
 * }
 * @category storage
 */
export const deleteFromIndexedDb = async (name: string): Promise<boolean> => {
  const op = 'deleteFromIndexedDb'
  checkName(op, name)
  return withStore(op, 'readwrite', `delete the model ${JSON.stringify(name)}`, async (store) => {
    const found = (await done(store.getKey(name))) !== undefined
    if (found) await done(store.delete(name))
    return found
  })
}

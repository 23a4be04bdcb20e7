/**
 * The Node-only entry, `puregrad/node`: the MNIST digits of the `mnist` package and model files.
 * @since 0.1.0
 */
export { loadMnist } from './mnist.js'
export { loadModelFile, saveModelFile } from './files.js'

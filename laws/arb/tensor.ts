/** fast-check arbitraries for shapes and tensors: those of puregrad/testing. */
export * from '../../src/testing/tensor.js'

/** Random well-shaped networks and input widths: those of puregrad/testing. */
export { network, width } from '../../src/testing/network.js'

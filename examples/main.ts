/**
 * The main job. Until the training issue lands it runs the neuron example of source note 003.
 */
import { main } from './neurons.js'

main()

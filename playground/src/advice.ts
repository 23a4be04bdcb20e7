/**
 * One line of advice under the curves, from the loss history: a loss that is no longer finite,
 * a network that answers the same everywhere, a loss that jumps up and down (the notes' question about TensorFlow Playground: "why does the
 * output keep oscillating?"), or else the library's bias/variance diagnosis (Train.diagnose).
 */
import { Train } from 'puregrad'
import type { Session } from './train.js'

const WINDOW = 16

/**
 * Whether the recent training loss goes up and down again and again, by steps that are a good
 * part of its size, instead of settling.
 */
export const oscillating = (losses: ReadonlyArray<number>): boolean => {
  const recent = losses.slice(-WINDOW)
  if (recent.length < WINDOW) return false
  const steps = recent.slice(1).map((v, i) => v - recent[i]!)
  const turns = steps.slice(1).filter((d, i) => d * steps[i]! < 0).length
  const meanStep = steps.reduce((a, d) => a + Math.abs(d), 0) / steps.length
  const level = recent.reduce((a, v) => a + v, 0) / recent.length
  return turns >= WINDOW / 4 && meanStep > 0.2 * level && meanStep > 0.03
}

/**
 * The advice for a session; `flat` says that the network gives every point of the plane the
 * same prediction (after training has started, a sign of dead or saturated neurons).
 */
export const advise = (s: Session, flat: boolean): string => {
  if (s.diverged) return 'The loss is no longer a finite number: the steps overshot. Reset and choose a smaller learning rate.'
  if (flat && s.epoch >= 5) {
    return 'The network gives every point the same answer: its neurons have died (ReLU) or saturated, often after too large steps. Reset with a smaller learning rate.'
  }
  const h = s.history
  if (oscillating(h.map((e) => e.train.loss))) return 'The loss jumps up and down: the steps are too large for this valley. Try a smaller learning rate (or a larger batch).'
  const last = h.at(-1)
  if (last === undefined || last.epoch < 20) return ''
  const d = Train.diagnose(1 - last.train.accuracy, 1 - last.test.accuracy, { tolerance: 0.05 })
  return `Bias and variance (Train.diagnose, taking the test set as the dev set and the best possible error as 0): ${d.advice}`
}

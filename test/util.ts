/** Helpers shared by the tests. */
import { PuregradError } from '../src/index.js'

/** The PuregradError `f` throws; anything else (or nothing) fails the test. */
export const caught = (f: () => unknown): PuregradError => {
  try {
    f()
  } catch (e) {
    if (e instanceof PuregradError) return e
    throw e
  }
  throw new Error('expected a PuregradError, got none')
}

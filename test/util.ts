/** Helpers shared by the tests. */
import * as E from 'fp-ts/lib/Either.js'
import { PuregradError } from '../src/index.js'

/** The PuregradError `f` throws or returns as a Left; anything else (or nothing) fails the test. */
export const caught = (f: () => unknown): PuregradError => {
  let r: unknown
  try {
    r = f()
  } catch (e) {
    if (e instanceof PuregradError) return e
    throw e
  }
  if (typeof r === 'object' && r !== null && (r as { _tag?: unknown })._tag === 'Left' && (r as E.Left<unknown>).left instanceof PuregradError) return (r as E.Left<PuregradError>).left
  throw new Error('expected a PuregradError, got none')
}

/** The value of a Right; a Left's error is thrown (for tests of values that must decode). */
export const right = <A>(r: E.Either<PuregradError, A>): A => {
  if (E.isLeft(r)) throw r.left
  return r.right
}

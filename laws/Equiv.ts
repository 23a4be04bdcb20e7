/**
 * A law states that two values are equivalent; whether they are is decided later, by a
 * comparator the runner picks.
 *
 * Law definitions (`laws/<area>.ts`) are pure functions returning `Equiv`s; runners
 * (`laws/<area>.laws.ts`) feed them fast-check arbitraries and a comparator. The type and the
 * comparators are those puregrad/testing gives users.
 */
export { type Comparator, type Equiv, allclose, deepEqual, equiv, exact, holds } from '../src/testing/Equiv.js'

/** Explicit, splittable random keys. Written in a following change. */
export {}

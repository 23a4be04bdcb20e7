/** Optimizers as pure state transitions. Written in a following change. */
export {}

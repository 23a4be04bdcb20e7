/** Parameter trees. Written in a following change. */
export {}

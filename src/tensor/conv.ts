/** Convolution and pooling (NHWC input, HWIO filters). Written in a following change. */
export {}

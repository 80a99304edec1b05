package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;

/**
 * Constant arrays every layer reuses. DJL turns a Java scalar operand into a freshly allocated native array per op,
 * which costs as much as the op itself when decoding one token, so the scalars are made once per model.
 *
 * <p>Internal runtime type. Thread-safety: immutable; owned by the model's manager.
 *
 * @param rmsNormEps the RMSNorm epsilon (float32 scalar)
 * @param sqrtHeadDim {@code sqrt(headDim)}, the attention score divisor (float32 scalar)
 * @param rotateHalf {@link Ops#rotateHalfMatrix} in the model's dtype
 */
record LayerConstants(NDArray rmsNormEps, NDArray sqrtHeadDim, NDArray rotateHalf) {
}

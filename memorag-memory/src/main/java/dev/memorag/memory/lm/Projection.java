package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;

/**
 * A linear projection {@code y = x W^T + b} with {@code W} in the checkpoint's {@code [out, in]} layout.
 *
 * <p>Internal runtime type (NDArray-based), shared with the beacon memory model; not part of the library's public
 * API. Thread-safety: immutable; the arrays are owned by the model's manager.
 *
 * @param weight {@code [out, in]}
 * @param bias {@code [out]} or {@code null}
 */
public record Projection(NDArray weight, NDArray bias) {
    public Projection {
        java.util.Objects.requireNonNull(weight, "weight");
    }

    /** Applies the projection to {@code x [..., in]}; the result lives in {@code x}'s manager. */
    public NDArray apply(NDArray x) {
        return Ops.linear(x, weight, bias);
    }
}

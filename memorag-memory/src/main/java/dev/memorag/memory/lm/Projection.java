package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;
import dev.memorag.memory.lm.quant.Int8Matrix;

/**
 * A linear projection {@code y = x W^T + b} with {@code W} in the checkpoint's {@code [out, in]} layout: either a
 * dense NDArray weight (float32 or float16, any device) or weight-only int8 ({@link Int8Projection}, CPU).
 *
 * <p>Internal runtime type (NDArray-based), shared with the beacon memory model; not part of the library's public
 * API. Thread-safety: implementations are immutable and safe for concurrent use on distinct activations.
 */
public interface Projection {
    /** Applies the projection to {@code x [..., in]}; the result lives in {@code x}'s manager. */
    NDArray apply(NDArray x);

    /** Bytes the weight and bias occupy (for memory reports). */
    long bytes();

    /** A dense projection; {@code bias} may be null. */
    static Projection dense(NDArray weight, NDArray bias) {
        return new Dense(weight, bias);
    }

    /** A weight-only int8 projection; {@code bias} (float32) may be null. */
    static Projection int8(Int8Matrix weight, NDArray bias) {
        return new Int8Projection(weight, bias);
    }

    /**
     * A dense projection. Thread-safety: immutable.
     *
     * @param weight {@code [out, in]}
     * @param bias {@code [out]} or {@code null}
     */
    record Dense(NDArray weight, NDArray bias) implements Projection {
        public Dense {
            java.util.Objects.requireNonNull(weight, "weight");
        }

        @Override
        public NDArray apply(NDArray x) {
            return Ops.linear(x, weight, bias);
        }

        @Override
        public long bytes() {
            long b = weight.size() * weight.getDataType().getNumOfBytes();
            return bias == null ? b : b + bias.size() * bias.getDataType().getNumOfBytes();
        }
    }
}

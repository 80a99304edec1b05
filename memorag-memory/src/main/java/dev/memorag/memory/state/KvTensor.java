package dev.memorag.memory.state;

import dev.memorag.error.InvalidInputException;
import java.util.Objects;

/**
 * One cached key or value tensor of one layer, laid out {@code [heads][length][headDim]} in row-major order.
 *
 * <p>Thread-safety: the record is immutable but exposes its array; callers must not modify {@code data}.
 *
 * @param heads number of KV heads
 * @param length number of cached positions (may be 0)
 * @param headDim size of each head
 * @param data {@code heads * length * headDim} values
 */
public record KvTensor(int heads, int length, int headDim, float[] data) {
    public KvTensor {
        Objects.requireNonNull(data, "data");
        if (heads <= 0 || headDim <= 0 || length < 0) {
            throw new InvalidInputException("KvTensor shape must be positive, was [" + heads + ", " + length + ", "
                    + headDim + "]");
        }
        if ((long) heads * length * headDim != data.length) {
            throw new InvalidInputException("KvTensor data has " + data.length + " values, shape [" + heads + ", "
                    + length + ", " + headDim + "] needs " + (long) heads * length * headDim);
        }
    }

    /** An empty tensor (no positions). */
    public static KvTensor empty(int heads, int headDim) {
        return new KvTensor(heads, 0, headDim, new float[0]);
    }

    /** Number of values. */
    public int size() {
        return data.length;
    }
}

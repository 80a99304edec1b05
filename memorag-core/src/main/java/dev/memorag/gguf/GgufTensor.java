package dev.memorag.gguf;

import java.util.Arrays;

/**
 * Where one tensor of a GGUF file lives.
 *
 * <p>Thread-safety: immutable (arrays are copied on access).
 *
 * @param name tensor name as stored ({@code blk.0.attn_q.weight})
 * @param type element type
 * @param dims dimensions in GGUF order: {@code dims[0]} is the contiguous (innermost) one, the reverse of a
 *     row-major shape
 * @param offset absolute byte offset of the data in the file
 * @param bytes data length in bytes
 */
public record GgufTensor(String name, GgmlType type, long[] dims, long offset, long bytes) {
    public GgufTensor {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** The row-major shape, outermost first (the reverse of {@link #dims()}), as Hugging Face checkpoints store it. */
    public long[] shape() {
        long[] s = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            s[i] = dims[dims.length - 1 - i];
        }
        return s;
    }

    /** Number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && type == t.type && Arrays.equals(dims, t.dims)
                && offset == t.offset && bytes == t.bytes;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(dims);
    }
}

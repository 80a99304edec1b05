package dev.memorag.memory.lm.quant;

/**
 * Supplies one row (output channel) of a {@code [rows, cols]} weight matrix as fp32, for example read from a
 * memory-mapped safetensors tensor in bf16, f16 or f32, so that quantisation never materialises the full fp32 matrix
 * (a 7B model must quantise within ~12 GB of resident memory).
 *
 * <p>Thread-safety: implementations must be thread-safe. {@link Int8Matrix#quantize} calls {@link #row} from several
 * threads at once, each call with its own {@code dst}; reading a shared buffer with absolute (index-based) gets is
 * safe, a shared relative position is not.
 */
@FunctionalInterface
public interface RowSource {
    /** Writes row {@code r} (0-based) into {@code dst}, whose length is the matrix's column count. */
    void row(int r, float[] dst);
}

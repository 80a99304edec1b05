package dev.memorag.memory.lm.quant;

/**
 * The inner loops of {@link Int8Matrix}: one implementation per instruction set (the Vector API, plain Java). Both
 * work on the same layout: {@code q[r * cols + c]} int8 weights, row-major, and {@code scales[r * blocks + b]} the fp16
 * bits of one scale per {@link Int8Matrix#BLOCK}-wide block of a row, {@code blocks = ceil(cols / BLOCK)}; the last
 * block of a row is narrower when {@code cols} is not a multiple of the block. Kernels widen each scale once per block
 * through {@link Half#toFloat}.
 *
 * <p>Thread-safety: implementations are stateless; concurrent calls on disjoint output ranges are safe.
 */
interface Kernel {
    /** Short name for logs and benchmark reports, such as {@code "vector-api 256-bit"}. */
    String name();

    /**
     * Computes {@code y[t * rows + r] = sum_c x[t * cols + c] * w(r, c)} for {@code t < n} and {@code r} in
     * {@code [from, to)}, accumulating in fp32.
     */
    void multiply(byte[] q, short[] scales, int rows, int cols, float[] x, int n, float[] y, int from, int to);

    /**
     * For the warm-up: one matrix-vector product through the code path that {@link #multiply} takes only for long
     * rows, so that path is compiled before first use too. Kernels with one path just multiply.
     */
    default void exerciseRowGroups(byte[] q, short[] scales, int rows, int cols, float[] x, float[] y) {
        multiply(q, scales, rows, cols, x, 1, y, 0, rows);
    }

    /** Writes row {@code r} of the dequantised matrix into {@code dst[off, off + cols)}. */
    void dequantizeRow(byte[] q, short[] scales, int cols, int r, float[] dst, int off);
}

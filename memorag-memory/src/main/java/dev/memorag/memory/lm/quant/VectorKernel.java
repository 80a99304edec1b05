package dev.memorag.memory.lm.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernel ({@code jdk.incubator.vector}, the JDK 17 API subset so it links on JDK 17 to 25). Loaded only
 * through reflection by {@link Int8Kernels} when the module is present.
 *
 * <p>Matrix-vector ({@code n < 4}, once per input): rows are read in order as one sequential stream (four at a time,
 * sharing every load of {@code x}, when rows are long); bytes are widened to floats ({@code B2F}, one byte vector per
 * float vector) and multiplied into a per-block sum, which the block scale then folds into the row's accumulator, so
 * the scale costs one table lookup (fp16 to fp32) and one FMA per block. Small batches ({@code n > 1}): four rows
 * are dequantised once into a scratch tile and reused by every input row, which moves the widening out of the
 * per-token loop.
 *
 * <p>Thread-safety: stateless.
 */
final class VectorKernel implements Kernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Byte vectors of L lanes where such a shape exists (64 bits is the smallest); two float parts for 128-bit F. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, L * Byte.SIZE)));
    private static final int BL = B.length();
    private static final int PARTS = BL / L;
    private static final int QK = Int8Matrix.BLOCK;
    /**
     * From this many inputs on, dequantising a tile once beats widening the bytes once per input (measured on
     * 896 x 4864, one thread: n = 2 is 1.3x slower through the tile, n = 4 1.2x faster, n = 16 2.2x).
     */
    private static final int BATCHED_MIN_N = 4;
    /**
     * Rows at least this long are read four at a time (sharing the loads of x); shorter ones one after the other,
     * as one sequential stream. Four short rows are four short streams the hardware prefetcher never ramps up on:
     * cold, at load ~18, a 151936 x 896 head took 17-25 ms of caller CPU four rows at a time against 10-13 ms row by
     * row, and 2048- and 3584-column rows were also faster row by row; 4864-column rows were no slower in groups.
     */
    private static final int GROUP_MIN_COLS = 4096;

    static final VectorKernel INSTANCE = new VectorKernel();

    private VectorKernel() {
        if (L < 4 || QK % BL != 0 || BL % L != 0) {
            throw new IllegalStateException("unsupported vector shape: " + F + " with " + B);
        }
    }

    @Override
    public String name() {
        return "vector-api " + F.vectorBitSize() + "-bit";
    }

    @Override
    public void multiply(byte[] q, short[] scales, int rows, int cols, float[] x, int n, float[] y, int from,
            int to) {
        if (n < BATCHED_MIN_N) {
            for (int t = 0; t < n; t++) {
                matvec(q, scales, cols, x, t * cols, y, t * rows, from, to, cols >= GROUP_MIN_COLS);
            }
        } else {
            batched(q, scales, rows, cols, x, n, y, from, to);
        }
    }

    @Override
    public void exerciseRowGroups(byte[] q, short[] scales, int rows, int cols, float[] x, float[] y) {
        matvec(q, scales, cols, x, 0, y, 0, 0, rows, true);
    }

    private static void matvec(byte[] q, short[] scales, int cols, float[] x, int xb, float[] y, int yb, int from,
            int to, boolean rowGroups) {
        int blocks = Int8Matrix.blocksPerRow(cols);
        int full = cols / QK;
        int r = from;
        for (; rowGroups && r + 4 <= to; r += 4) {
            int q0 = r * cols;
            int q1 = q0 + cols;
            int q2 = q1 + cols;
            int q3 = q2 + cols;
            int s0 = r * blocks;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int b = 0; b < full; b++) {
                int c0 = b * QK;
                FloatVector d0 = FloatVector.zero(F);
                FloatVector d1 = FloatVector.zero(F);
                FloatVector d2 = FloatVector.zero(F);
                FloatVector d3 = FloatVector.zero(F);
                for (int k = 0; k < QK; k += BL) {
                    int c = c0 + k;
                    ByteVector b0 = ByteVector.fromArray(B, q, q0 + c);
                    ByteVector b1 = ByteVector.fromArray(B, q, q1 + c);
                    ByteVector b2 = ByteVector.fromArray(B, q, q2 + c);
                    ByteVector b3 = ByteVector.fromArray(B, q, q3 + c);
                    for (int p = 0; p < PARTS; p++) {
                        FloatVector xv = FloatVector.fromArray(F, x, xb + c + p * L);
                        d0 = widen(b0, p).fma(xv, d0);
                        d1 = widen(b1, p).fma(xv, d1);
                        d2 = widen(b2, p).fma(xv, d2);
                        d3 = widen(b3, p).fma(xv, d3);
                    }
                }
                acc0 = d0.fma(FloatVector.broadcast(F, Half.toFloat(scales[s0 + b])), acc0);
                acc1 = d1.fma(FloatVector.broadcast(F, Half.toFloat(scales[s0 + blocks + b])), acc1);
                acc2 = d2.fma(FloatVector.broadcast(F, Half.toFloat(scales[s0 + 2 * blocks + b])), acc2);
                acc3 = d3.fma(FloatVector.broadcast(F, Half.toFloat(scales[s0 + 3 * blocks + b])), acc3);
            }
            y[yb + r] = acc0.reduceLanes(VectorOperators.ADD) + tailDot(q, q0, scales, s0, cols, full, x, xb);
            y[yb + r + 1] = acc1.reduceLanes(VectorOperators.ADD)
                    + tailDot(q, q1, scales, s0 + blocks, cols, full, x, xb);
            y[yb + r + 2] = acc2.reduceLanes(VectorOperators.ADD)
                    + tailDot(q, q2, scales, s0 + 2 * blocks, cols, full, x, xb);
            y[yb + r + 3] = acc3.reduceLanes(VectorOperators.ADD)
                    + tailDot(q, q3, scales, s0 + 3 * blocks, cols, full, x, xb);
        }
        for (; r < to; r++) {
            int q0 = r * cols;
            int s0 = r * blocks;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < full; b++) {
                int c0 = b * QK;
                FloatVector d = FloatVector.zero(F);
                for (int k = 0; k < QK; k += BL) {
                    ByteVector bv = ByteVector.fromArray(B, q, q0 + c0 + k);
                    for (int p = 0; p < PARTS; p++) {
                        d = widen(bv, p).fma(FloatVector.fromArray(F, x, xb + c0 + k + p * L), d);
                    }
                }
                acc = d.fma(FloatVector.broadcast(F, Half.toFloat(scales[s0 + b])), acc);
            }
            y[yb + r] = acc.reduceLanes(VectorOperators.ADD) + tailDot(q, q0, scales, s0, cols, full, x, xb);
        }
    }

    private static FloatVector widen(ByteVector v, int part) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, part);
    }

    /** The partial last block of a row ({@code cols % BLOCK} columns), in plain Java; 0 when there is none. */
    private static float tailDot(byte[] q, int rowBase, short[] scales, int scaleBase, int cols, int full, float[] x,
            int xb) {
        int c0 = full * QK;
        if (c0 == cols) {
            return 0f;
        }
        float s = 0f;
        for (int c = c0; c < cols; c++) {
            s += q[rowBase + c] * x[xb + c];
        }
        return s * Half.toFloat(scales[scaleBase + full]);
    }

    private void batched(byte[] q, short[] scales, int rows, int cols, float[] x, int n, float[] y, int from,
            int to) {
        float[] tile = new float[4 * cols];
        int vecCols = cols - cols % L;
        int r = from;
        for (; r + 4 <= to; r += 4) {
            for (int i = 0; i < 4; i++) {
                dequantizeRow(q, scales, cols, r + i, tile, i * cols);
            }
            int t = 0;
            for (; t + 2 <= n; t += 2) {
                tileDot2(tile, cols, vecCols, x, t * cols, y, t * rows + r, rows);
            }
            if (t < n) {
                tileDot1(tile, cols, vecCols, x, t * cols, y, t * rows + r);
            }
        }
        for (; r < to; r++) {
            dequantizeRow(q, scales, cols, r, tile, 0);
            for (int t = 0; t < n; t++) {
                int xb = t * cols;
                FloatVector a = FloatVector.zero(F);
                int c = 0;
                for (; c < vecCols; c += L) {
                    a = FloatVector.fromArray(F, tile, c).fma(FloatVector.fromArray(F, x, xb + c), a);
                }
                float s = 0f;
                for (; c < cols; c++) {
                    s += tile[c] * x[xb + c];
                }
                y[t * rows + r] = a.reduceLanes(VectorOperators.ADD) + s;
            }
        }
    }

    /** Four tile rows times two inputs: eight accumulators share each load of the tile and of {@code x}. */
    private static void tileDot2(float[] tile, int cols, int vecCols, float[] x, int xb, float[] y, int yb, int rows) {
        int xb2 = xb + cols;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector e0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F);
        FloatVector e2 = FloatVector.zero(F);
        FloatVector e3 = FloatVector.zero(F);
        int c = 0;
        for (; c < vecCols; c += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xb + c);
            FloatVector xw = FloatVector.fromArray(F, x, xb2 + c);
            FloatVector w0 = FloatVector.fromArray(F, tile, c);
            FloatVector w1 = FloatVector.fromArray(F, tile, cols + c);
            FloatVector w2 = FloatVector.fromArray(F, tile, 2 * cols + c);
            FloatVector w3 = FloatVector.fromArray(F, tile, 3 * cols + c);
            a0 = w0.fma(xv, a0);
            a1 = w1.fma(xv, a1);
            a2 = w2.fma(xv, a2);
            a3 = w3.fma(xv, a3);
            e0 = w0.fma(xw, e0);
            e1 = w1.fma(xw, e1);
            e2 = w2.fma(xw, e2);
            e3 = w3.fma(xw, e3);
        }
        y[yb] = a0.reduceLanes(VectorOperators.ADD);
        y[yb + 1] = a1.reduceLanes(VectorOperators.ADD);
        y[yb + 2] = a2.reduceLanes(VectorOperators.ADD);
        y[yb + 3] = a3.reduceLanes(VectorOperators.ADD);
        y[yb + rows] = e0.reduceLanes(VectorOperators.ADD);
        y[yb + rows + 1] = e1.reduceLanes(VectorOperators.ADD);
        y[yb + rows + 2] = e2.reduceLanes(VectorOperators.ADD);
        y[yb + rows + 3] = e3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            for (int i = 0; i < 4; i++) {
                y[yb + i] += tile[i * cols + c] * x[xb + c];
                y[yb + rows + i] += tile[i * cols + c] * x[xb2 + c];
            }
        }
    }

    /** Four tile rows times one input. */
    private static void tileDot1(float[] tile, int cols, int vecCols, float[] x, int xb, float[] y, int yb) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int c = 0;
        for (; c < vecCols; c += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xb + c);
            a0 = FloatVector.fromArray(F, tile, c).fma(xv, a0);
            a1 = FloatVector.fromArray(F, tile, cols + c).fma(xv, a1);
            a2 = FloatVector.fromArray(F, tile, 2 * cols + c).fma(xv, a2);
            a3 = FloatVector.fromArray(F, tile, 3 * cols + c).fma(xv, a3);
        }
        y[yb] = a0.reduceLanes(VectorOperators.ADD);
        y[yb + 1] = a1.reduceLanes(VectorOperators.ADD);
        y[yb + 2] = a2.reduceLanes(VectorOperators.ADD);
        y[yb + 3] = a3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            for (int i = 0; i < 4; i++) {
                y[yb + i] += tile[i * cols + c] * x[xb + c];
            }
        }
    }

    @Override
    public void dequantizeRow(byte[] q, short[] scales, int cols, int r, float[] dst, int off) {
        int blocks = Int8Matrix.blocksPerRow(cols);
        int full = cols / QK;
        int rowBase = r * cols;
        int scaleBase = r * blocks;
        for (int b = 0; b < full; b++) {
            FloatVector scale = FloatVector.broadcast(F, Half.toFloat(scales[scaleBase + b]));
            int c0 = b * QK;
            for (int k = 0; k < QK; k += BL) {
                ByteVector bv = ByteVector.fromArray(B, q, rowBase + c0 + k);
                for (int p = 0; p < PARTS; p++) {
                    widen(bv, p).mul(scale).intoArray(dst, off + c0 + k + p * L);
                }
            }
        }
        if (full * QK < cols) {
            float scale = Half.toFloat(scales[scaleBase + full]);
            for (int c = full * QK; c < cols; c++) {
                dst[off + c] = q[rowBase + c] * scale;
            }
        }
    }
}

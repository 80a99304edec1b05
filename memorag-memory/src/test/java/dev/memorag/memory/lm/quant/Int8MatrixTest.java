package dev.memorag.memory.lm.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Quantisation error, products against a double-precision reference, both kernels, Q8_0 import, bad input. */
class Int8MatrixTest {
    /**
     * Shapes: odd column counts (not a multiple of the block nor of a vector), one row, a parallel-sized one, and
     * rows long enough for the vector kernel's four-row groups (with a remainder row and a partial block).
     */
    private static final int[][] SHAPES = {{1, 32}, {1, 7}, {5, 33}, {6, 100}, {9, 64}, {13, 257}, {300, 1000},
        {64, 896}, {6, 4100}, {9, 4096}};

    private static float[][] randomMatrix(SplittableRandom rnd, int rows, int cols) {
        float[][] w = new float[rows][cols];
        for (float[] row : w) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (rnd.nextGaussian() * 0.05);
            }
        }
        return w;
    }

    private static float[] randomVector(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    private static Int8Matrix quantize(float[][] w) {
        return Int8Matrix.quantize((r, dst) -> System.arraycopy(w[r], 0, dst, 0, dst.length), w.length, w[0].length);
    }

    private static float[] dequantizeAll(Int8Matrix m) {
        float[] all = new float[m.rows() * m.cols()];
        m.dequantize(0, m.rows(), FloatBuffer.wrap(all));
        return all;
    }

    private static List<Kernel> kernels() {
        List<Kernel> ks = new ArrayList<>();
        ks.add(Int8Kernels.scalar());
        if (Int8Kernels.vector() != null) {
            ks.add(Int8Kernels.vector());
        }
        return ks;
    }

    @Test
    void vectorKernelIsAvailableWheneverItsModuleIs() {
        if (Int8Kernels.vectorModulePresent()) {
            assertNotNull(Int8Kernels.vector(), "jdk.incubator.vector is present but the vector kernel did not load");
        }
    }

    @Test
    void everyWeightIsWithinHalfAScaleStepOfItsBlockMax() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int[] shape : SHAPES) {
            float[][] w = randomMatrix(rnd, shape[0], shape[1]);
            w[0][0] = -3f; // a negative extreme sets the block's scale
            Int8Matrix m = quantize(w);
            float[] deq = dequantizeAll(m);
            for (Kernel k : kernels()) {
                float[] row = new float[shape[1]];
                for (int r = 0; r < shape[0]; r++) {
                    k.dequantizeRow(qOf(m), scalesOf(m), shape[1], r, row, 0);
                    int rr = r;
                    for (int c = 0; c < shape[1]; c++) {
                        int cc = c;
                        assertEquals(deq[r * shape[1] + c], row[c], 0f, () -> k.name() + " row " + rr + " col " + cc);
                    }
                }
            }
            for (int r = 0; r < shape[0]; r++) {
                for (int c0 = 0; c0 < shape[1]; c0 += Int8Matrix.BLOCK) {
                    int c1 = Math.min(shape[1], c0 + Int8Matrix.BLOCK);
                    float amax = 0f;
                    for (int c = c0; c < c1; c++) {
                        amax = Math.max(amax, Math.abs(w[r][c]));
                    }
                    double bound = amax / 127.0 / 2 * (1 + 1e-5);
                    for (int c = c0; c < c1; c++) {
                        double err = Math.abs(w[r][c] - deq[r * shape[1] + c]);
                        if (err > bound) {
                            throw new AssertionError("shape " + shape[0] + "x" + shape[1] + " row " + r + " col " + c
                                    + ": error " + err + " > " + bound);
                        }
                    }
                }
            }
            assertEquals(-3f, deq[0], 1e-6f);
        }
    }

    @Test
    void zeroConstantAndExtremeRows() {
        int cols = 45;
        float[][] w = new float[4][cols];
        java.util.Arrays.fill(w[1], 0.75f);
        java.util.Arrays.fill(w[2], -0.75f);
        for (int c = 0; c < cols; c++) {
            w[3][c] = c % 2 == 0 ? -Float.MAX_VALUE : Float.MAX_VALUE / 3;
        }
        Int8Matrix m = quantize(w);
        float[] deq = dequantizeAll(m);
        for (int c = 0; c < cols; c++) {
            assertEquals(0f, deq[c], 0f, "zero row");
            assertEquals(0.75f, deq[cols + c], 1e-6f, "constant row");
            assertEquals(-0.75f, deq[2 * cols + c], 1e-6f, "negative constant row");
            float expected = w[3][c];
            assertEquals(expected, deq[3 * cols + c], Float.MAX_VALUE / 127 / 2 * 1.00001f, "extreme row col " + c);
            assertTrue(Float.isFinite(deq[3 * cols + c]));
        }
        float[] y = new float[4];
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 1f);
        x[0] = 0f; // keeps the extreme row's sum finite: the remaining columns still hold both signs
        for (Kernel k : kernels()) {
            m.matmul(x, 1, y, k);
            assertEquals(0f, y[0], 0f, k.name());
            assertEquals(0.75f * (cols - 1), y[1], 1e-4f, k.name());
            assertEquals(-0.75f * (cols - 1), y[2], 1e-4f, k.name());
        }
    }

    @Test
    void productsMatchADoublePrecisionReferenceOnEveryKernel() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            float[][] w = randomMatrix(rnd, rows, cols);
            Int8Matrix m = quantize(w);
            float[] deq = dequantizeAll(m);
            for (int n : new int[] {1, 2, 3, 5, 16}) {
                float[] x = randomVector(rnd, n * cols);
                double[] ref = new double[n * rows];
                double[] mag = new double[n * rows];
                double[] quantBound = new double[n * rows];
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        double s = 0;
                        double a = 0;
                        double qb = 0;
                        for (int c = 0; c < cols; c++) {
                            double p = (double) deq[r * cols + c] * x[t * cols + c];
                            s += p;
                            a += Math.abs(p);
                            qb += Math.abs((double) (w[r][c] - deq[r * cols + c]) * x[t * cols + c]);
                        }
                        ref[t * rows + r] = s;
                        mag[t * rows + r] = a;
                        quantBound[t * rows + r] = qb;
                    }
                }
                float[][] results = new float[2][];
                List<Kernel> ks = kernels();
                for (int ki = 0; ki < ks.size(); ki++) {
                    Kernel k = ks.get(ki);
                    float[] y = new float[n * rows];
                    m.matmul(x, n, y, k);
                    results[ki] = y;
                    int nn = n;
                    for (int i = 0; i < y.length; i++) {
                        int ii = i;
                        assertEquals(ref[i], y[i], 1e-5 * mag[i] + 1e-30,
                                () -> k.name() + " shape " + rows + "x" + cols + " n=" + nn + " output " + ii);
                        // Against the fp32 weights the error is the quantisation error plus rounding.
                        double exact = 0;
                        int t = i / rows;
                        int r = i % rows;
                        for (int c = 0; c < cols; c++) {
                            exact += (double) w[r][c] * x[t * cols + c];
                        }
                        assertEquals(exact, y[i], quantBound[i] + 1e-5 * mag[i] + 1e-30);
                    }
                }
                if (results[1] != null) {
                    int nn = n;
                    for (int i = 0; i < results[0].length; i++) {
                        int ii = i;
                        assertEquals(results[0][i], results[1][i], 1e-5 * mag[i] + 1e-30,
                                () -> "scalar vs vector, shape " + rows + "x" + cols + " n=" + nn + " output " + ii);
                    }
                }
            }
        }
    }

    @Test
    void productsRunTheChosenKernelOnceItIsWarm() {
        String expected = Int8Kernels.vector() != null && !"scalar".equals(System.getProperty("memorag.int8.kernel"))
                ? Int8Kernels.vector().name() : "scalar";
        assertEquals(expected, Int8Kernels.kernelName());
        SplittableRandom rnd = new SplittableRandom(3);
        Int8Matrix m = quantize(randomMatrix(rnd, 40, 96));
        float[] x = randomVector(rnd, 96);
        float[] viaDefault = new float[40];
        float[] viaChosen = new float[40];
        m.matmul(x, 1, viaDefault);
        assertTrue(Int8Kernels.warm(), "the first product returned before the warm-up finished");
        assertEquals(expected, Int8Kernels.active().name());
        m.matmul(x, 1, viaChosen, Int8Kernels.chosen());
        assertEquals(java.util.Arrays.toString(viaChosen), java.util.Arrays.toString(viaDefault));
    }

    @Test
    void concurrentProductsOnOneMatrixGiveTheSameResults() throws Exception {
        SplittableRandom rnd = new SplittableRandom(11);
        Int8Matrix m = quantize(randomMatrix(rnd, 700, 320));
        float[] x = randomVector(rnd, 5 * 320);
        Kernel k = Int8Kernels.chosen();
        float[] expected = new float[5 * 700];
        m.matmul(x, 5, expected, k);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int n = 1 + i % 5;
                results.add(callers.submit(() -> {
                    float[] y = new float[n * 700];
                    for (int rep = 0; rep < 10; rep++) {
                        m.matmul(java.util.Arrays.copyOf(x, n * 320), n, y, k);
                    }
                    return y;
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                int n = 1 + i % 5;
                float[] y = results.get(i).get();
                // Each input row's outputs do not depend on the batch size (n < 4 and n >= 4 differ in summation
                // order only on the vector kernel, so compare within a tolerance).
                for (int j = 0; j < y.length; j++) {
                    assertEquals(expected[j], y[j], 1e-4f * (1 + Math.abs(expected[j])), "caller " + i + " n=" + n);
                }
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void q8_0ImportReproducesAHandBuiltBlockExactly() {
        int cols = 64;
        byte[] q = new byte[2 * cols];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) (i % 2 == 0 ? -128 + i : 127 - i);
        }
        float[] scales = {0.5f, 0.25f, 0.125f, 2f};
        Int8Matrix m = Int8Matrix.ofQ8_0(q, scales, 2, cols);
        assertEquals(2, m.rows());
        assertEquals(cols, m.cols());
        assertEquals(q.length + 4L * scales.length, m.bytes());
        float[] deq = dequantizeAll(m);
        for (int i = 0; i < q.length; i++) {
            assertEquals(q[i] * scales[i / Int8Matrix.BLOCK], deq[i], 0f, "element " + i);
        }
        for (Kernel k : kernels()) {
            for (int c = 0; c < cols; c++) {
                float[] x = new float[cols];
                x[c] = 1f;
                float[] y = new float[2];
                m.matmul(x, 1, y, k);
                assertEquals(deq[c], y[0], 0f, k.name() + " column " + c);
                assertEquals(deq[cols + c], y[1], 0f, k.name() + " column " + c);
            }
        }
    }

    @Test
    void dequantizeWritesAtThePositionOfHeapAndDirectBuffers() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[][] w = randomMatrix(rnd, 300, 250);
        Int8Matrix m = quantize(w);
        float[] all = dequantizeAll(m);
        FloatBuffer direct = ByteBuffer.allocateDirect((3 + 200 * 250) * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        direct.position(3);
        m.dequantize(50, 250, direct);
        assertEquals(3 + 200 * 250, direct.position());
        for (int i = 0; i < 200 * 250; i++) {
            if (all[50 * 250 + i] != direct.get(3 + i)) {
                throw new AssertionError("element " + i);
            }
        }
        FloatBuffer empty = FloatBuffer.allocate(0);
        m.dequantize(7, 7, empty);
        assertEquals(0, empty.position());
    }

    @Test
    void quantizeCallsTheSourceOncePerRowAndPassesItsFailuresOn() {
        java.util.concurrent.atomic.AtomicIntegerArray calls = new java.util.concurrent.atomic.AtomicIntegerArray(500);
        Int8Matrix m = Int8Matrix.quantize((r, dst) -> {
            calls.incrementAndGet(r);
            java.util.Arrays.fill(dst, r);
        }, 500, 300);
        for (int r = 0; r < 500; r++) {
            assertEquals(1, calls.get(r), "row " + r);
        }
        float[] row = new float[300];
        m.dequantize(499, 500, FloatBuffer.wrap(row));
        assertEquals(499f, row[299], 1e-3f);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Int8Matrix.quantize((r, dst) -> {
            if (r == 321) {
                throw new IllegalStateException("boom at 321");
            }
        }, 500, 300));
        assertEquals("boom at 321", e.getMessage());
    }

    @Test
    void badInputIsRejectedWithAClearMessage() {
        RowSource zeros = (r, dst) -> { };
        assertMessage(() -> Int8Matrix.quantize(zeros, -1, 8), "rows=-1");
        assertMessage(() -> Int8Matrix.quantize(zeros, 4, 0), "cols=0");
        assertMessage(() -> Int8Matrix.quantize(null, 4, 4), "row source is null");
        assertMessage(() -> Int8Matrix.quantize(zeros, 65536, 65536), "exceeds one Java array");
        assertMessage(() -> Int8Matrix.quantize((r, dst) -> dst[3] = Float.NaN, 2, 8), "row 0, column 3 is NaN");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[64], new float[2], 2, 30), "cols=30");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[63], new float[2], 1, 64), "q has 63 values");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[64], new float[3], 1, 64), "scales has 3 values");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[64], new float[] {1f, Float.POSITIVE_INFINITY}, 1, 64),
                "scale 1 (row 0, block 1) is Infinity");
        Int8Matrix m = Int8Matrix.quantize((r, dst) -> java.util.Arrays.fill(dst, 1f), 3, 8);
        assertMessage(() -> m.matmul(new float[8], -1, new float[3]), "n=-1");
        assertMessage(() -> m.matmul(new float[7], 1, new float[3]), "x has 7 values, expected n*cols = 8");
        assertMessage(() -> m.matmul(new float[16], 2, new float[3]), "y has 3 values, expected n*rows = 6");
        assertMessage(() -> m.matmul(null, 1, new float[3]), "x has no array");
        assertMessage(() -> m.dequantize(2, 4, FloatBuffer.allocate(100)), "[2, 4)");
        assertMessage(() -> m.dequantize(0, 2, FloatBuffer.allocate(15)), "15 floats remaining");
        assertMessage(() -> m.dequantize(0, 1, FloatBuffer.allocate(8).asReadOnlyBuffer()), "read-only");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        InvalidInputException e = assertThrows(InvalidInputException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    private static byte[] qOf(Int8Matrix m) {
        return m.quantizedValues();
    }

    private static float[] scalesOf(Int8Matrix m) {
        return m.blockScales();
    }
}

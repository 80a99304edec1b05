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

/**
 * fp16 block scales, quantisation error, products against a double-precision reference, both kernels, Q8_0 import,
 * bad input.
 */
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

    /**
     * Every block's stored scale is the smallest fp16 value that maps the block's largest magnitude to at most 127
     * (rounded to nearest, then stepped up when that fell below), and every weight is within half a scale of its
     * value.
     */
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
            int blocks = Int8Matrix.blocksPerRow(shape[1]);
            for (int r = 0; r < shape[0]; r++) {
                for (int b = 0, c0 = 0; c0 < shape[1]; b++, c0 += Int8Matrix.BLOCK) {
                    int c1 = Math.min(shape[1], c0 + Int8Matrix.BLOCK);
                    float amax = 0f;
                    for (int c = c0; c < c1; c++) {
                        amax = Math.max(amax, Math.abs(w[r][c]));
                    }
                    short h = scalesOf(m)[r * blocks + b];
                    float scale = Half.toFloat(h);
                    String where = "shape " + shape[0] + "x" + shape[1] + " row " + r + " block " + b;
                    assertTrue(scale * 127 >= amax && Half.toFloat((short) (h - 1)) * 127 < amax,
                            where + ": scale " + scale + " for max " + amax);
                    double bound = scale / 2.0 * (1 + 1e-6);
                    for (int c = c0; c < c1; c++) {
                        double err = Math.abs(w[r][c] - deq[r * shape[1] + c]);
                        if (err > bound) {
                            throw new AssertionError("shape " + shape[0] + "x" + shape[1] + " row " + r + " col " + c
                                    + ": error " + err + " > " + bound);
                        }
                    }
                }
            }
            assertEquals(-3f, deq[0], 3f / 1024, "the block maximum, within one fp16 step of its scale");
        }
    }

    @Test
    void zeroConstantTinyAndExtremeRows() {
        int cols = 45;
        float max = 127 * Half.MAX_VALUE;
        float[][] w = new float[6][cols];
        java.util.Arrays.fill(w[1], 0.75f);
        java.util.Arrays.fill(w[2], -0.75f);
        java.util.Arrays.fill(w[3], 1e-4f); // scale ~7.9e-7: an fp16 subnormal
        java.util.Arrays.fill(w[4], 3e-6f); // scale ~2.4e-8: below half of fp16's smallest subnormal, a zero block
        for (int c = 0; c < cols; c++) {
            w[5][c] = c % 2 == 0 ? -max : max / 3; // the largest block magnitude fp16 scales can hold
        }
        Int8Matrix m = quantize(w);
        assertEquals(6L * cols + 2L * 6 * 2, m.bytes(), "one byte per weight, two per block");
        float[] deq = dequantizeAll(m);
        float constScale = Half.toFloat(scalesOf(m)[2]);
        float subnormalScale = Half.toFloat(scalesOf(m)[6]);
        assertTrue(subnormalScale < 0x1p-14f && subnormalScale >= 1e-4f / 127, "subnormal scale " + subnormalScale);
        assertEquals(Half.MAX_VALUE, Half.toFloat(scalesOf(m)[10]), "extreme row's scale");
        for (int c = 0; c < cols; c++) {
            assertEquals(0f, deq[c], 0f, "zero row");
            assertEquals(0.75f, deq[cols + c], 0.75f / 1024, "constant row: within one fp16 step of its scale");
            assertEquals(-deq[cols + c], deq[2 * cols + c], 0f, "negative constant row");
            assertEquals(1e-4f, deq[3 * cols + c], subnormalScale / 2, "row with a subnormal scale");
            assertEquals(0f, deq[4 * cols + c], 0f, "zero block");
            assertEquals(w[5][c], deq[5 * cols + c], Half.MAX_VALUE / 2, "extreme row col " + c);
        }
        assertEquals(-max, deq[5 * cols], 0f, "the extreme block's maximum is exact");
        assertEquals(0.75f, deq[cols], constScale / 2 * 1.00001f);
        float[] y = new float[6];
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 1f);
        for (Kernel k : kernels()) {
            m.matmul(x, 1, y, k);
            assertEquals(0f, y[0], 0f, k.name());
            assertEquals(deq[cols] * cols, y[1], 1e-4f, k.name());
            assertEquals(-deq[cols] * cols, y[2], 1e-4f, k.name());
            assertEquals(deq[3 * cols] * cols, y[3], 1e-9f, k.name());
            assertEquals(0f, y[4], 0f, k.name());
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
        // fp16 bits as GGUF stores them: 0.5, -0.25, 2^-24 (the smallest subnormal), 2
        short[] scales = {0x3800, (short) 0xb400, 0x0001, 0x4000};
        float[] values = {0.5f, -0.25f, 0x1p-24f, 2f};
        Int8Matrix m = Int8Matrix.ofQ8_0(q, scales, 2, cols);
        assertEquals(2, m.rows());
        assertEquals(cols, m.cols());
        assertEquals(q.length + 2L * scales.length, m.bytes());
        float[] deq = dequantizeAll(m);
        for (int i = 0; i < q.length; i++) {
            assertEquals(q[i] * values[i / Int8Matrix.BLOCK], deq[i], 0f, "element " + i);
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
        assertEquals(499f, row[299], 499f / 1024, "within one fp16 step of the scale");
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
        assertMessage(() -> Int8Matrix.quantize((r, dst) -> dst[40] = r == 1 ? -1e7f : 1f, 2, 45),
                "row 1, column block 1 (columns 32 to 44) has max |weight| 1.0E7, above 8319008.0 = 127 * 65504: "
                + "its scale would overflow fp16");
        assertMessage(() -> Int8Matrix.quantize((r, dst) -> dst[0] = Math.nextUp(127 * Half.MAX_VALUE), 1, 8),
                "row 0, column block 0 (columns 0 to 7) has max |weight| 8319008.5");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[64], new short[2], 2, 30), "cols=30");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[63], new short[2], 1, 64), "q has 63 values");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[64], new short[3], 1, 64), "scales has 3 values");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[64], new short[] {0x3c00, 0x7c00}, 1, 64),
                "scale 1 (row 0, block 1) is Infinity (fp16 bits 0x7c00)");
        assertMessage(() -> Int8Matrix.ofQ8_0(new byte[128], new short[] {0, 0, (short) 0xfe00, 0}, 2, 64),
                "scale 2 (row 1, block 0) is NaN (fp16 bits 0xfe00)");
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

    private static short[] scalesOf(Int8Matrix m) {
        return m.blockScales();
    }
}

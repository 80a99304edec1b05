package dev.memorag.memory.lm.quant;

import dev.memorag.error.InvalidInputException;
import java.nio.FloatBuffer;

/**
 * A {@code [rows, cols]} weight matrix in weight-only int8: every row is cut into blocks of {@value #BLOCK} columns
 * (the last one narrower when {@code cols} is not a multiple), each block stores int8 values and one fp16 scale
 * ({@code w ~= q * scale}, {@code scale ~= max|w| / 127}), exactly the layout of GGUF's Q8_0. Products take fp32
 * activations and accumulate in fp32; each block's scale is widened to fp32 once, by a table lookup.
 *
 * <p>Storage is on the Java heap, one {@code byte[]} and one {@code short[]} (the scales' fp16 bits) per matrix (the
 * largest real matrix, a 152064 x 3584 LM head, is 545 MB, below the 2^31 array limit): {@link #bytes()} counts
 * against {@code Runtime.getRuntime().maxMemory()} ({@code -Xmx}), not against native memory. About 1.0625 bytes per
 * weight: a 7B model takes ~8.6 GB of heap.
 *
 * <p>Thread-safety: immutable after construction; concurrent {@link #matmul} and {@link #dequantize} calls are safe.
 */
public final class Int8Matrix {
    /** Columns per scale block (GGUF Q8_0's block). */
    public static final int BLOCK = 32;

    /** Weights per chunk of rows that one thread takes at a time: small enough to balance, large enough to amortise. */
    private static final int CHUNK_WEIGHTS = 1 << 16;
    /** Below this many multiply-adds per call one thread does the whole product (waking another costs more). */
    private static final long PARALLEL_MIN_WORK = 1L << 17;
    /** Rows a kernel processes together; chunk boundaries are multiples of it. */
    private static final int ROW_GROUP = 4;
    /** The largest block magnitude whose scale fp16 holds: 127 times the largest half. */
    private static final float MAX_ABS = 127 * Half.MAX_VALUE;

    private final int rows;
    private final int cols;
    private final byte[] q;
    /** fp16 bits, {@code [rows, blocksPerRow(cols)]} row-major. */
    private final short[] scales;

    private Int8Matrix(byte[] q, short[] scales, int rows, int cols) {
        this.q = q;
        this.scales = scales;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * Quantises the {@code [rows, cols]} matrix that {@code src} supplies row by row, in parallel over rows (so
     * {@code src} must be thread-safe, see {@link RowSource}).
     *
     * <p>A block's scale is the fp16 value nearest to {@code max|w| / 127}, moved up one fp16 step when it fell below
     * so that the largest weight still maps to at most 127 (which makes it the smallest fp16 value at or above
     * {@code max|w| / 127}), and the weights are rounded against that stored scale.
     * Blocks whose scale rounds to zero in fp16 ({@code max|w| <= 127 * 2^-25}, about 3.8e-6) are stored as zeros.
     * fp16 bounds the scale to 65504, so a block with {@code max|w| > 65504 * 127} (about 8.3e6) cannot be stored and
     * is refused, naming the row, the column block and the value. Real weights never get near it: trained weights are
     * orders of magnitude smaller, and an fp16 checkpoint cannot even hold a weight above 65504.
     *
     * @throws InvalidInputException for non-positive or too large dimensions, a non-finite weight, or a block whose
     *     largest magnitude exceeds {@code 65504 * 127}
     */
    public static Int8Matrix quantize(RowSource src, int rows, int cols) {
        if (src == null) {
            throw new InvalidInputException("int8 quantize: row source is null");
        }
        long size = checkDims("quantize", rows, cols);
        Int8Kernels.prepare();
        int blocks = blocksPerRow(cols);
        byte[] q = new byte[(int) size];
        short[] scales = new short[rows * blocks];
        int chunkRows = chunkRows(cols);
        int chunks = ceilDiv(rows, chunkRows);
        WorkerPool.shared().forEach(chunks, chunk -> {
            float[] w = new float[cols];
            int end = Math.min(rows, (chunk + 1) * chunkRows);
            for (int r = chunk * chunkRows; r < end; r++) {
                src.row(r, w);
                quantizeRow(w, r, cols, blocks, q, scales);
            }
        });
        return new Int8Matrix(q, scales, rows, cols);
    }

    /**
     * Adopts GGUF Q8_0 data without copying: {@code q[r * cols + c]} int8 weights and {@code scales[r * cols / 32 + b]}
     * block scales as fp16 bits, as GGUF stores them. The caller must not modify the arrays afterwards.
     *
     * @throws InvalidInputException for bad dimensions, {@code cols} not a multiple of {@value #BLOCK}, array lengths
     *     that do not match, or a non-finite scale
     */
    public static Int8Matrix ofQ8_0(byte[] q, short[] scales, int rows, int cols) {
        long size = checkDims("ofQ8_0", rows, cols);
        Int8Kernels.prepare();
        if (cols % BLOCK != 0) {
            throw new InvalidInputException("int8 ofQ8_0: cols=" + cols + " is not a multiple of the Q8_0 block "
                    + BLOCK);
        }
        if (q == null || q.length != size) {
            throw new InvalidInputException("int8 ofQ8_0: q has " + (q == null ? "no array" : q.length + " values")
                    + ", expected rows*cols = " + size);
        }
        long nScales = size / BLOCK;
        if (scales == null || scales.length != nScales) {
            throw new InvalidInputException("int8 ofQ8_0: scales has "
                    + (scales == null ? "no array" : scales.length + " values") + ", expected rows*cols/" + BLOCK
                    + " = " + nScales);
        }
        for (int i = 0; i < scales.length; i++) {
            if (!Half.isFinite(scales[i])) {
                throw new InvalidInputException("int8 ofQ8_0: scale " + i + " (row " + i / (cols / BLOCK)
                        + ", block " + i % (cols / BLOCK) + ") is " + Half.toFloat(scales[i]) + " (fp16 bits 0x"
                        + Integer.toHexString(scales[i] & 0xffff) + ")");
            }
        }
        return new Int8Matrix(q, scales, rows, cols);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Heap bytes of the int8 data plus the fp16 scales. */
    public long bytes() {
        return q.length + 2L * scales.length;
    }

    /**
     * {@code y[n][rows] = x[n][cols] . W^T}, row-major flat arrays, multithreaded over output rows.
     *
     * @throws InvalidInputException when {@code n < 0} or the array lengths are not {@code n * cols} and
     *     {@code n * rows}
     */
    public void matmul(float[] x, int n, float[] y) {
        matmul(x, n, y, Int8Kernels.active());
    }

    /** {@link #matmul} on a given kernel; tests compare the kernels through it. */
    void matmul(float[] x, int n, float[] y, Kernel kernel) {
        if (n < 0) {
            throw new InvalidInputException("int8 matmul: n=" + n + " must be >= 0");
        }
        checkLength("matmul", "x", x, (long) n * cols, "n*cols");
        checkLength("matmul", "y", y, (long) n * rows, "n*rows");
        long work = (long) n * rows * cols;
        if (work < PARALLEL_MIN_WORK) {
            kernel.multiply(q, scales, rows, cols, x, n, y, 0, rows);
            return;
        }
        int chunkRows = chunkRows(cols);
        WorkerPool.shared().forEach(ceilDiv(rows, chunkRows), chunk -> kernel.multiply(q, scales, rows, cols, x, n,
                y, chunk * chunkRows, Math.min(rows, (chunk + 1) * chunkRows)));
    }

    /**
     * Writes rows {@code [from, to)} dequantised, row-major fp32, at {@code dst}'s position and advances it by
     * {@code (to - from) * cols} (the runtime's prefill multiplies them in fp32).
     *
     * @throws InvalidInputException for a bad range, or a read-only or too small buffer
     */
    public void dequantize(int from, int to, FloatBuffer dst) {
        dequantize(from, to, dst, Int8Kernels.active());
    }

    void dequantize(int from, int to, FloatBuffer dst, Kernel kernel) {
        if (from < 0 || to > rows || from > to) {
            throw new InvalidInputException("int8 dequantize: row range [" + from + ", " + to
                    + ") is not inside [0, " + rows + ")");
        }
        if (dst == null || dst.isReadOnly()) {
            throw new InvalidInputException("int8 dequantize: dst is " + (dst == null ? "null" : "read-only"));
        }
        long need = (long) (to - from) * cols;
        if (dst.remaining() < need) {
            throw new InvalidInputException("int8 dequantize: dst has " + dst.remaining()
                    + " floats remaining, rows [" + from + ", " + to + ") need " + need);
        }
        int base = dst.position();
        int chunkRows = chunkRows(cols);
        int chunks = ceilDiv(to - from, chunkRows);
        WorkerPool.shared().forEach(chunks, chunk -> {
            float[] row = new float[cols];
            int start = from + chunk * chunkRows;
            int end = Math.min(to, start + chunkRows);
            for (int r = start; r < end; r++) {
                kernel.dequantizeRow(q, scales, cols, r, row, 0);
                dst.put(base + (r - from) * cols, row, 0, cols);
            }
        });
        dst.position(base + (int) need);
    }

    @Override
    public String toString() {
        return "Int8Matrix[" + rows + " x " + cols + ", block " + BLOCK + ", " + bytes() + " bytes]";
    }

    /** The int8 values, row-major (not a copy). */
    byte[] quantizedValues() {
        return q;
    }

    /** The block scales as fp16 bits, {@code [rows, blocksPerRow(cols)]} row-major (not a copy). */
    short[] blockScales() {
        return scales;
    }

    static int blocksPerRow(int cols) {
        return ceilDiv(cols, BLOCK);
    }

    /** Scale and int8 values of one row. */
    private static void quantizeRow(float[] w, int r, int cols, int blocks, byte[] q, short[] scales) {
        int rowBase = r * cols;
        for (int b = 0, c0 = 0; c0 < cols; b++, c0 += BLOCK) {
            int c1 = Math.min(cols, c0 + BLOCK);
            float amax = 0f;
            for (int c = c0; c < c1; c++) {
                float v = w[c];
                if (!Float.isFinite(v)) {
                    throw new InvalidInputException("int8 quantize: weight at row " + r + ", column " + c + " is "
                            + v);
                }
                amax = Math.max(amax, Math.abs(v));
            }
            if (amax > MAX_ABS) {
                throw new InvalidInputException("int8 quantize: row " + r + ", column block " + b + " (columns "
                        + c0 + " to " + (c1 - 1) + ") has max |weight| " + amax + ", above " + MAX_ABS
                        + " = 127 * 65504: its scale would overflow fp16");
            }
            short h = Half.fromFloat(amax / 127f);
            if (h == 0) {
                continue; // a zero block: the fresh arrays already hold 0 for its values and scale
            }
            if (Half.toFloat(h) * 127f < amax) { // exact: 11 x 7 significant bits
                h++; // the next fp16 up (a positive half's bits order like its values)
            }
            scales[r * blocks + b] = h;
            double inv = 1.0 / Half.toFloat(h);
            for (int c = c0; c < c1; c++) {
                double v = Math.rint(w[c] * inv);
                q[rowBase + c] = (byte) Math.max(-127, Math.min(127, (int) v));
            }
        }
    }

    private static long checkDims(String op, int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new InvalidInputException("int8 " + op + ": dimensions rows=" + rows + ", cols=" + cols
                    + " must both be positive");
        }
        long size = (long) rows * cols;
        if (size > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException("int8 " + op + ": rows*cols = " + size + " (rows=" + rows + ", cols="
                    + cols + ") exceeds one Java array (" + (Integer.MAX_VALUE - 16) + ")");
        }
        return size;
    }

    private static void checkLength(String op, String name, float[] a, long expected, String what) {
        if (a == null || a.length != expected) {
            throw new InvalidInputException("int8 " + op + ": " + name + " has "
                    + (a == null ? "no array" : a.length + " values") + ", expected " + what + " = " + expected);
        }
    }

    private static int chunkRows(int cols) {
        int r = Math.max(1, CHUNK_WEIGHTS / cols);
        return ceilDiv(r, ROW_GROUP) * ROW_GROUP;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}

package dev.memorag.memory.lm.quant;

import java.nio.FloatBuffer;

/** Q8_0 weight matrix (stand-in until the int8 branch lands): int8 values, one scale per 32 columns. */
public final class Int8Matrix {
    private static final int BLOCK = 32;
    private final byte[] q;
    private final float[] scales;
    private final int rows;
    private final int cols;

    private Int8Matrix(byte[] q, float[] scales, int rows, int cols) {
        this.q = q;
        this.scales = scales;
        this.rows = rows;
        this.cols = cols;
    }

    public static Int8Matrix quantize(RowSource src, int rows, int cols) {
        int bpr = (cols + BLOCK - 1) / BLOCK;
        byte[] q = new byte[Math.multiplyExact(rows, cols)];
        float[] s = new float[rows * bpr];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            src.row(r, row);
            for (int b = 0; b < bpr; b++) {
                int from = b * BLOCK;
                int to = Math.min(cols, from + BLOCK);
                float max = 0;
                for (int c = from; c < to; c++) {
                    max = Math.max(max, Math.abs(row[c]));
                }
                float scale = max / 127f;
                s[r * bpr + b] = scale;
                float inv = scale == 0 ? 0 : 1f / scale;
                for (int c = from; c < to; c++) {
                    q[r * cols + c] = (byte) Math.round(row[c] * inv);
                }
            }
        }
        return new Int8Matrix(q, s, rows, cols);
    }

    public static Int8Matrix ofQ8_0(byte[] q, float[] scales, int rows, int cols) {
        return new Int8Matrix(q.clone(), scales.clone(), rows, cols);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public long bytes() {
        return q.length + 4L * scales.length;
    }

    public void matmul(float[] x, int n, float[] y) {
        int bpr = (cols + BLOCK - 1) / BLOCK;
        java.util.stream.IntStream.range(0, rows).parallel().forEach(r -> {
            for (int i = 0; i < n; i++) {
                float acc = 0;
                for (int b = 0; b < bpr; b++) {
                    int from = b * BLOCK;
                    int to = Math.min(cols, from + BLOCK);
                    float part = 0;
                    for (int c = from; c < to; c++) {
                        part += q[r * cols + c] * x[i * cols + c];
                    }
                    acc += part * scales[r * bpr + b];
                }
                y[i * rows + r] = acc;
            }
        });
    }

    public void dequantize(int from, int to, FloatBuffer dst) {
        int bpr = (cols + BLOCK - 1) / BLOCK;
        for (int r = from; r < to; r++) {
            for (int c = 0; c < cols; c++) {
                dst.put(q[r * cols + c] * scales[r * bpr + c / BLOCK]);
            }
        }
    }
}

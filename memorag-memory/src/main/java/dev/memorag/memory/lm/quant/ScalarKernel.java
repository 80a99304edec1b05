package dev.memorag.memory.lm.quant;

/**
 * Plain-Java kernel: correct on every JVM, used where the Vector API is absent (a JVM started without
 * {@code --add-modules jdk.incubator.vector}) or unusable. Each block's dot product runs on four partial sums so the
 * additions do not wait on one another; the block scale is applied once per block.
 *
 * <p>Thread-safety: stateless.
 */
final class ScalarKernel implements Kernel {
    static final ScalarKernel INSTANCE = new ScalarKernel();

    private ScalarKernel() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void multiply(byte[] q, short[] scales, int rows, int cols, float[] x, int n, float[] y, int from,
            int to) {
        int blocks = Int8Matrix.blocksPerRow(cols);
        for (int r = from; r < to; r++) {
            int rowBase = r * cols;
            int scaleBase = r * blocks;
            for (int t = 0; t < n; t++) {
                y[t * rows + r] = rowDot(q, rowBase, scales, scaleBase, cols, x, t * cols);
            }
        }
    }

    private static float rowDot(byte[] q, int rowBase, short[] scales, int scaleBase, int cols, float[] x, int xBase) {
        float acc = 0f;
        for (int b = 0, c0 = 0; c0 < cols; b++, c0 += Int8Matrix.BLOCK) {
            int c1 = Math.min(cols, c0 + Int8Matrix.BLOCK);
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            int c = c0;
            for (; c + 4 <= c1; c += 4) {
                s0 += q[rowBase + c] * x[xBase + c];
                s1 += q[rowBase + c + 1] * x[xBase + c + 1];
                s2 += q[rowBase + c + 2] * x[xBase + c + 2];
                s3 += q[rowBase + c + 3] * x[xBase + c + 3];
            }
            for (; c < c1; c++) {
                s0 += q[rowBase + c] * x[xBase + c];
            }
            acc += ((s0 + s1) + (s2 + s3)) * Half.toFloat(scales[scaleBase + b]);
        }
        return acc;
    }

    @Override
    public void dequantizeRow(byte[] q, short[] scales, int cols, int r, float[] dst, int off) {
        int blocks = Int8Matrix.blocksPerRow(cols);
        int rowBase = r * cols;
        for (int b = 0, c0 = 0; c0 < cols; b++, c0 += Int8Matrix.BLOCK) {
            float scale = Half.toFloat(scales[r * blocks + b]);
            int c1 = Math.min(cols, c0 + Int8Matrix.BLOCK);
            for (int c = c0; c < c1; c++) {
                dst[off + c] = q[rowBase + c] * scale;
            }
        }
    }
}

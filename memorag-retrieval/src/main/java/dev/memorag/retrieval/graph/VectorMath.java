package dev.memorag.retrieval.graph;

/**
 * Small float kernels. Results depend only on the two vectors (fixed summation order), never on batch layout, which
 * keeps synonym weights identical whether phrases arrive in one batch or many.
 *
 * <p>Thread-safety: stateless.
 */
final class VectorMath {
    private VectorMath() {
    }

    /** Inner product with four independent accumulators (lets the CPU pipeline the multiply-adds). */
    static float dot(float[] a, float[] b) {
        int n = a.length;
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Scores of {@code query} against each row of a row-major matrix of {@code rows × query.length}. */
    static double[] scores(float[] matrix, int rows, float[] query) {
        int dim = query.length;
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int i = 0;
            for (; i + 3 < dim; i += 4) {
                s0 += matrix[off + i] * query[i];
                s1 += matrix[off + i + 1] * query[i + 1];
                s2 += matrix[off + i + 2] * query[i + 2];
                s3 += matrix[off + i + 3] * query[i + 3];
            }
            for (; i < dim; i++) {
                s0 += matrix[off + i] * query[i];
            }
            out[r] = (s0 + s1) + (s2 + s3);
        }
        return out;
    }

    /** Min-max normalisation into [0, 1]; a constant vector maps to all ones (every item equally good). */
    static double[] minMax(double[] v) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        double[] out = new double[v.length];
        double range = hi - lo;
        for (int i = 0; i < v.length; i++) {
            out[i] = range > 0 ? (v[i] - lo) / range : 1.0;
        }
        return out;
    }
}

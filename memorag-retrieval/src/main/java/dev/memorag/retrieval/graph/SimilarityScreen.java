package dev.memorag.retrieval.graph;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the (query, candidate) pairs whose inner product may reach a threshold: the all-pairs part of synonym
 * search. With the PyTorch engine available it multiplies blocks of vectors on DJL NDArrays (BLAS, about 50× faster
 * than scalar Java) and reports pairs above the threshold minus a safety margin; otherwise it uses a register-blocked
 * Java kernel. Callers recompute the exact similarity of each reported pair with {@link VectorMath#dot}, so results
 * never depend on which path or block layout ran.
 *
 * <p>Thread-safety: stateless; every call uses its own NDManager, closed before returning.
 */
final class SimilarityScreen {
    private static final Logger LOG = LoggerFactory.getLogger(SimilarityScreen.class);
    /** Covers float32 rounding differences between a BLAS product and the sequential dot product. */
    private static final float MARGIN = 1e-3f;
    private static final int QUERY_BLOCK = 1024;
    private static final int CANDIDATE_BLOCK = 8192;
    /** Below this many pairs the native call overhead outweighs its speed. */
    private static final long NATIVE_MIN_PAIRS = 4_000_000L;

    interface PairSink {
        void pair(int query, int candidate);
    }

    private SimilarityScreen() {
    }

    /** Reports every pair with {@code dot(queries[i], candidates[j]) >= threshold} (and possibly a few below). */
    static void screen(List<float[]> queries, List<float[]> candidates, float threshold, PairSink sink) {
        if (queries.isEmpty() || candidates.isEmpty()) {
            return;
        }
        if ((long) queries.size() * candidates.size() >= NATIVE_MIN_PAIRS && nativeAvailable()) {
            screenNative(queries, candidates, threshold - MARGIN, sink);
        } else {
            screenJava(queries, candidates, threshold, sink);
        }
    }

    private static volatile Boolean nativeOk;

    static boolean nativeAvailable() {
        if (nativeOk == null) {
            boolean ok;
            try {
                ok = Engine.hasEngine("PyTorch") && Engine.getEngine("PyTorch") != null;
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                LOG.info("PyTorch engine unavailable ({}); synonym search uses the Java kernel", e.toString());
                ok = false;
            }
            nativeOk = ok;
        }
        return nativeOk;
    }

    static void screenNative(List<float[]> queries, List<float[]> candidates, float cutoff, PairSink sink) {
        int dim = queries.get(0).length;
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            for (int cb = 0; cb < candidates.size(); cb += CANDIDATE_BLOCK) {
                int ce = Math.min(candidates.size(), cb + CANDIDATE_BLOCK);
                try (NDManager cm = manager.newSubManager()) {
                    NDArray cand = cm.create(flatten(candidates, cb, ce, dim), new Shape(ce - cb, dim));
                    NDArray candT = cand.transpose();
                    for (int qb = 0; qb < queries.size(); qb += QUERY_BLOCK) {
                        int qe = Math.min(queries.size(), qb + QUERY_BLOCK);
                        try (NDManager qm = cm.newSubManager()) {
                            NDArray q = qm.create(flatten(queries, qb, qe, dim), new Shape(qe - qb, dim));
                            float[] s = q.matMul(candT).toFloatArray();
                            int width = ce - cb;
                            for (int i = 0; i < qe - qb; i++) {
                                int row = i * width;
                                for (int j = 0; j < width; j++) {
                                    if (s[row + j] >= cutoff) {
                                        sink.pair(qb + i, cb + j);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static void screenJava(List<float[]> queries, List<float[]> candidates, float threshold, PairSink sink) {
        final int block = 256;
        float[] out = new float[4];
        int q4 = queries.size() - queries.size() % 4;
        for (int jb = 0; jb < candidates.size(); jb += block) {
            int je = Math.min(candidates.size(), jb + block);
            for (int i = 0; i < q4; i += 4) {
                float[] a = queries.get(i);
                float[] b = queries.get(i + 1);
                float[] c = queries.get(i + 2);
                float[] d = queries.get(i + 3);
                for (int j = jb; j < je; j++) {
                    dot4(a, b, c, d, candidates.get(j), out);
                    for (int k = 0; k < 4; k++) {
                        if (out[k] >= threshold) {
                            sink.pair(i + k, j);
                        }
                    }
                }
            }
            for (int i = q4; i < queries.size(); i++) {
                for (int j = jb; j < je; j++) {
                    if (VectorMath.dot(queries.get(i), candidates.get(j)) >= threshold) {
                        sink.pair(i, j);
                    }
                }
            }
        }
    }

    /**
     * Four queries against one candidate, each pair summed in exactly {@link VectorMath#dot}'s order (so results are
     * bit-identical) while every candidate element is loaded once for four queries.
     */
    private static void dot4(float[] q0, float[] q1, float[] q2, float[] q3, float[] c, float[] out) {
        int n = c.length;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        float c0 = 0, c1 = 0, c2 = 0, c3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            float x0 = c[i];
            float x1 = c[i + 1];
            float x2 = c[i + 2];
            float x3 = c[i + 3];
            a0 += q0[i] * x0;
            a1 += q0[i + 1] * x1;
            a2 += q0[i + 2] * x2;
            a3 += q0[i + 3] * x3;
            b0 += q1[i] * x0;
            b1 += q1[i + 1] * x1;
            b2 += q1[i + 2] * x2;
            b3 += q1[i + 3] * x3;
            c0 += q2[i] * x0;
            c1 += q2[i + 1] * x1;
            c2 += q2[i + 2] * x2;
            c3 += q2[i + 3] * x3;
            d0 += q3[i] * x0;
            d1 += q3[i + 1] * x1;
            d2 += q3[i + 2] * x2;
            d3 += q3[i + 3] * x3;
        }
        for (; i < n; i++) {
            a0 += q0[i] * c[i];
            b0 += q1[i] * c[i];
            c0 += q2[i] * c[i];
            d0 += q3[i] * c[i];
        }
        out[0] = (a0 + a1) + (a2 + a3);
        out[1] = (b0 + b1) + (b2 + b3);
        out[2] = (c0 + c1) + (c2 + c3);
        out[3] = (d0 + d1) + (d2 + d3);
    }

    private static float[] flatten(List<float[]> rows, int from, int to, int dim) {
        float[] out = new float[(to - from) * dim];
        for (int r = from; r < to; r++) {
            System.arraycopy(rows.get(r), 0, out, (r - from) * dim, dim);
        }
        return out;
    }
}

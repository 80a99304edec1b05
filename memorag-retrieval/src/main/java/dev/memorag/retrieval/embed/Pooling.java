package dev.memorag.retrieval.embed;

/**
 * How token states become one sentence vector.
 *
 * <p>Thread-safety: immutable.
 */
public enum Pooling {
    /** The first token's hidden state ([CLS] / {@code <s>}), as BGE models are trained. */
    CLS,
    /** Mean of the hidden states of the non-padding tokens. */
    MEAN;

    /**
     * Pools one row of {@code hidden} ({@code [batch][seq][dim]} flattened) and L2-normalises the result.
     *
     * @param hidden flattened hidden states
     * @param row batch row
     * @param seqLen padded sequence length
     * @param dim hidden size
     * @param tokens number of real (non-padding) tokens in this row
     */
    float[] pool(float[] hidden, int row, int seqLen, int dim, int tokens) {
        float[] out = new float[dim];
        int base = row * seqLen * dim;
        if (this == CLS) {
            System.arraycopy(hidden, base, out, 0, dim);
        } else {
            for (int t = 0; t < tokens; t++) {
                int off = base + t * dim;
                for (int d = 0; d < dim; d++) {
                    out[d] += hidden[off + d];
                }
            }
            for (int d = 0; d < dim; d++) {
                out[d] /= Math.max(1, tokens);
            }
        }
        return normalize(out);
    }

    /** L2-normalises {@code v} in place (a zero vector stays zero) and returns it. */
    static float[] normalize(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        if (s > 0) {
            float inv = (float) (1.0 / Math.sqrt(s));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return v;
    }
}

package dev.memorag.memory.lm;

import dev.memorag.api.GenerationOptions;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from raw logits the way Hugging Face's {@code generate()} does: repetition penalty, then
 * temperature, top-k and top-p, then a draw from a seeded {@link SplittableRandom}; greedy (argmax) when the
 * temperature is 0.
 *
 * <p>Thread-safety: not thread-safe (holds the random state); one sampler per generation.
 */
public final class Sampler {
    private final GenerationOptions options;
    private final SplittableRandom random;

    public Sampler(GenerationOptions options) {
        this.options = options;
        this.random = new SplittableRandom(options.effectiveSeed());
    }

    /**
     * Chooses a token. {@code logits} is modified in place.
     *
     * @param logits raw next-token logits
     * @param seen ids already in the sequence (prompt and generated), for the repetition penalty
     * @param seenCount how many entries of {@code seen} are valid
     */
    public int next(float[] logits, int[] seen, int seenCount) {
        double penalty = options.repetitionPenalty();
        if (penalty != 1.0) {
            boolean[] done = new boolean[logits.length];
            for (int i = 0; i < seenCount; i++) {
                int id = seen[i];
                if (id >= 0 && id < logits.length && !done[id]) {
                    done[id] = true;
                    float l = logits[id];
                    logits[id] = (float) (l < 0 ? l * penalty : l / penalty);
                }
            }
        }
        if (options.isGreedy()) {
            return argmax(logits);
        }
        int n = logits.length;
        float temperature = (float) options.temperature();
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / temperature);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(logits[i] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        int k = options.topK() > 0 ? Math.min(options.topK(), n) : n;
        if (k < n || options.topP() < 1.0) {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            boolean[] keep = new boolean[n];
            double kept = 0;
            // Keep the k most likely tokens, stopping early once their mass reaches top_p (at least one token).
            for (int r = 0; r < k && (r == 0 || kept < options.topP()); r++) {
                keep[order[r]] = true;
                kept += p[order[r]];
            }
            for (int i = 0; i < n; i++) {
                p[i] = keep[i] ? p[i] / kept : 0;
            }
        }
        double u = random.nextDouble();
        double acc = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (p[i] > 0) {
                acc += p[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last;
    }

    /** Index of the largest value (first on ties). */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}

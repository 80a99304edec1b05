package dev.memorag.memory.beacon;

import dev.memorag.api.GenerationOptions;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Picks the next token from logits: greedy, or temperature / top-k / top-p sampling, with the HF repetition
 * penalty (positive logits divided, negative multiplied).
 *
 * <p>Thread-safety: not thread-safe (owns a random source).
 */
final class Sampler {
    private final GenerationOptions options;
    private final Random random;

    Sampler(GenerationOptions options) {
        this.options = options;
        this.random = new Random(options.effectiveSeed());
    }

    int next(float[] logits, List<Integer> seen) {
        float[] l = logits.clone();
        if (options.repetitionPenalty() != 1.0) {
            float p = (float) options.repetitionPenalty();
            boolean[] done = new boolean[l.length];
            for (int id : seen) {
                if (id >= 0 && id < l.length && !done[id]) {
                    done[id] = true;
                    l[id] = l[id] > 0 ? l[id] / p : l[id] * p;
                }
            }
        }
        if (options.isGreedy()) {
            return argMax(l);
        }
        double t = options.temperature();
        Integer[] order = new Integer[l.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(l[b], l[a]));
        int k = options.topK() > 0 ? Math.min(options.topK(), l.length) : l.length;
        double max = l[order[0]];
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = Math.exp((l[order[i]] - max) / t);
            sum += p[i];
        }
        int keep = k;
        if (options.topP() < 1.0) {
            double acc = 0;
            for (int i = 0; i < k; i++) {
                acc += p[i] / sum;
                if (acc >= options.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += p[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    static int argMax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }
}

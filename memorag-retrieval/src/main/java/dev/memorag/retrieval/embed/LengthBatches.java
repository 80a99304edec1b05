package dev.memorag.retrieval.embed;

import dev.memorag.api.ProgressListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups texts into batches of similar token length, so that padding (wasted compute) is small; results are put back
 * in the caller's order by the embedder.
 *
 * <p>Thread-safety: stateless.
 */
final class LengthBatches {
    private LengthBatches() {
    }

    /**
     * Splits indices {@code 0..lengths.length-1} into batches of at most {@code batchSize}. With {@code sort}, indices
     * are ordered by decreasing length first (longest first, so a memory problem shows up at once).
     */
    static List<int[]> plan(int[] lengths, int batchSize, boolean sort) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (sort) {
            Arrays.sort(order, Comparator.comparingInt((Integer i) -> -lengths[i]).thenComparingInt(i -> i));
        }
        List<int[]> batches = new ArrayList<>();
        for (int s = 0; s < order.length; s += batchSize) {
            int n = Math.min(batchSize, order.length - s);
            int[] b = new int[n];
            for (int j = 0; j < n; j++) {
                b[j] = order[s + j];
            }
            batches.add(b);
        }
        return batches;
    }

    /** Runs the model on one batch, writing the vector of text {@code batch[r]} to {@code out[batch[r]]}. */
    @FunctionalInterface
    interface BatchRunner {
        void run(TextTokenizer.Encoded[] enc, int[] batch, float[][] out);
    }

    /**
     * The embedders' shared loop: tokenizes {@code prefix + text}, runs {@code runner} on the {@link #plan planned}
     * batches, reporting progress after each, and returns the vectors in the caller's order.
     */
    static float[][] embed(TextTokenizer tokenizer, List<String> texts, String prefix, int batchSize, boolean sort,
            ProgressListener progress, BatchRunner runner) {
        float[][] out = new float[texts.size()][];
        if (texts.isEmpty()) {
            return out;
        }
        TextTokenizer.Encoded[] enc = tokenizer.encode(prefix.isEmpty() ? texts
                : texts.stream().map(t -> prefix + t).toList());
        int[] lengths = new int[enc.length];
        for (int i = 0; i < enc.length; i++) {
            lengths[i] = enc[i].ids().length;
        }
        long done = 0;
        for (int[] batch : plan(lengths, batchSize, sort)) {
            runner.run(enc, batch, out);
            done += batch.length;
            progress.onProgress("embed", done, texts.size());
        }
        return out;
    }
}

package dev.memorag.retrieval.embed;

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
}

package dev.memorag.pipeline;

import dev.memorag.error.InvalidInputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reciprocal-rank fusion of ranked lists: an item at (0-based) rank {@code r} of a list with weight {@code w} gains
 * {@code w / (k + r + 1)}; an item's fused score is the sum over the lists that hold it. Used to merge the clue
 * queries' results ({@link MultiQueryRetrieval}) and the dense and BM25 sides of a hybrid index.
 *
 * <p>Thread-safety: not thread-safe (an accumulator for one fusion).
 *
 * @param <T> the item (chunk id, slot)
 */
public final class ReciprocalRankFusion<T> {
    /** The usual RRF constant. */
    public static final int DEFAULT_K = 60;

    private final int k;
    private final Map<T, Double> scores = new LinkedHashMap<>();

    /** @param k the RRF constant (&ge; 0) */
    public ReciprocalRankFusion(int k) {
        if (k < 0) {
            throw new InvalidInputException("RRF constant k must be >= 0, was " + k);
        }
        this.k = k;
    }

    /** Adds one ranked list (best first) with {@code weight}. */
    public ReciprocalRankFusion<T> add(List<T> ranked, double weight) {
        for (int rank = 0; rank < ranked.size(); rank++) {
            scores.merge(ranked.get(rank), weight / (k + rank + 1), Double::sum);
        }
        return this;
    }

    /** Fused score per item, in the order items were first seen. */
    public Map<T, Double> scores() {
        return Collections.unmodifiableMap(scores);
    }
}

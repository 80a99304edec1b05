package dev.memorag.retrieval.chunks;

import dev.memorag.error.InvalidInputException;
import dev.memorag.pipeline.ReciprocalRankFusion;
import java.util.Objects;

/**
 * How a hybrid index merges its dense and BM25 rankings.
 *
 * <p>{@link Method#ZSCORE} (default): each retriever's top {@code depth} scores give a per-query mean and standard
 * deviation; every candidate in the union of both lists is scored exactly by both retrievers, standardised, and the
 * weighted sum ranks it. Unlike rank fusion this keeps how far a hit stands out from the rest, so a confident retriever
 * (BM25 on a rare name, dense on a paraphrase) is not outvoted by the other's noise.
 * {@link Method#RRF}: weighted reciprocal-rank fusion {@code Σ w / (rrfK + rank)}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param method fusion method
 * @param denseWeight weight of the dense retriever; BM25 gets {@code 1 - denseWeight}
 * @param depth how many hits each retriever contributes (and the z-score statistics window)
 * @param rrfK the RRF constant
 */
public record HybridFusion(Method method, double denseWeight, int depth, int rrfK) {
    /** The default: z-score fusion, dense weight 0.7, depth 50. */
    public static final HybridFusion DEFAULT = new HybridFusion(Method.ZSCORE, 0.7, 50, 60);

    /** Fusion methods. */
    public enum Method {
        ZSCORE, RRF
    }

    public HybridFusion {
        Objects.requireNonNull(method, "method");
        if (!(denseWeight >= 0 && denseWeight <= 1)) {
            throw new InvalidInputException("HybridFusion.denseWeight must be in [0, 1], was " + denseWeight);
        }
        if (depth < 1) {
            throw new InvalidInputException("HybridFusion.depth must be >= 1, was " + depth);
        }
        if (rrfK < 0) {
            throw new InvalidInputException("HybridFusion.rrfK must be >= 0, was " + rrfK);
        }
    }

    /** Equal-weight RRF with k = 60 (the usual baseline). */
    public static HybridFusion rrf() {
        return new HybridFusion(Method.RRF, 0.5, 50, ReciprocalRankFusion.DEFAULT_K);
    }
}

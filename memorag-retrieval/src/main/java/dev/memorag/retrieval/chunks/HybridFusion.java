package dev.memorag.retrieval.chunks;

import dev.memorag.api.ScoredId;
import dev.memorag.error.InvalidInputException;
import dev.memorag.pipeline.ReciprocalRankFusion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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

    /**
     * Exact scores of some ids under one retriever (ids it has no score for may be left out: they count as 0).
     *
     * <p>Thread-safety: as the implementation.
     */
    @FunctionalInterface
    public interface Scores {
        Map<Long, Float> of(List<Long> ids);
    }

    /**
     * Fuses one query's two rankings (each best first, at least {@code max(depth, k)} long where the corpus allows)
     * into the top {@code k} ids. Shared by every hybrid index, local or remote, so they rank alike.
     *
     * @param dense the dense ranking
     * @param lexical the lexical ranking
     * @param k results wanted
     * @param corpusSize chunks in the index (the z-score window is {@code min(depth, corpusSize)})
     * @param denseScores exact dense scores of candidates missing from {@code dense}
     * @param lexicalScores exact lexical scores of candidates missing from {@code lexical}
     */
    public List<ScoredId> fuse(List<ScoredId> dense, List<ScoredId> lexical, int k, int corpusSize,
            Scores denseScores, Scores lexicalScores) {
        int window = Math.min(Math.max(depth, k), corpusSize);
        Set<Long> candidates = new LinkedHashSet<>();
        dense.forEach(s -> candidates.add(s.id()));
        lexical.forEach(s -> candidates.add(s.id()));
        double wd = denseWeight;
        double wb = 1 - wd;
        Map<Long, Double> fused = new HashMap<>();
        if (method == Method.RRF) {
            fused.putAll(new ReciprocalRankFusion<Long>(rrfK).add(dense.stream().map(ScoredId::id).toList(), wd)
                    .add(lexical.stream().map(ScoredId::id).toList(), wb).scores());
        } else {
            Map<Long, Float> ds = new HashMap<>();
            dense.forEach(s -> ds.put(s.id(), s.score()));
            Map<Long, Float> bs = new HashMap<>();
            lexical.forEach(s -> bs.put(s.id(), s.score()));
            // Score every candidate exactly under both retrievers, so neither side's misses count as zero by accident.
            List<Long> missingD = candidates.stream().filter(c -> !ds.containsKey(c)).toList();
            if (!missingD.isEmpty()) {
                ds.putAll(denseScores.of(missingD));
            }
            List<Long> missingB = candidates.stream().filter(c -> !bs.containsKey(c)).toList();
            if (!missingB.isEmpty()) {
                bs.putAll(lexicalScores.of(missingB));
            }
            // Statistics over each retriever's top `depth` scores; a lexical list shorter than that is padded with the
            // zero scores of the non-matching chunks.
            double[] sd = stats(dense, window);
            double[] sb = stats(lexical, window);
            for (long c : candidates) {
                float dv = ds.getOrDefault(c, 0f);
                float bv = bs.getOrDefault(c, 0f);
                fused.put(c, wd * (dv - sd[0]) / sd[1] + wb * (bv - sb[0]) / sb[1]);
            }
        }
        List<ScoredId> out = new ArrayList<>(fused.size());
        fused.forEach((id, s) -> out.add(new ScoredId(id, s.floatValue())));
        out.sort((x, y) -> {
            int c = Float.compare(y.score(), x.score());
            return c != 0 ? c : Long.compare(x.id(), y.id());
        });
        return out.size() > k ? out.subList(0, k) : out;
    }

    /** Mean and standard deviation (1 when degenerate) of the top scores, zero-padded to {@code window} values. */
    private static double[] stats(List<ScoredId> top, int window) {
        int n = Math.max(window, top.size());
        if (n == 0) {
            return new double[] {0, 1};
        }
        double sum = 0;
        double sq = 0;
        for (ScoredId s : top) {
            sum += s.score();
            sq += (double) s.score() * s.score();
        }
        double mean = sum / n;
        double var = sq / n - mean * mean;
        double std = var > 1e-12 ? Math.sqrt(var) : 1;
        return new double[] {mean, std};
    }

    /** Equal-weight RRF with k = 60 (the usual baseline). */
    public static HybridFusion rrf() {
        return new HybridFusion(Method.RRF, 0.5, 50, ReciprocalRankFusion.DEFAULT_K);
    }
}

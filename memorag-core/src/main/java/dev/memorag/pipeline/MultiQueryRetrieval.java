package dev.memorag.pipeline;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.Hit;
import dev.memorag.api.Retriever;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * MemoRAG's multi-query retrieval: the top {@code hits} chunks for every query (the clues, then the original query),
 * their union with duplicates removed, ordered by {@link EvidenceOrder}.
 *
 * <p>Each returned {@link Hit} carries the best score the chunk received from any query (the retriever's scale). For
 * {@link EvidenceOrder#FUSED_SCORE} chunks are ranked by reciprocal-rank fusion, {@link ReciprocalRankFusion} over the
 * queries that found them, which is comparable across queries where raw scores are not.
 *
 * <p>Thread-safety: immutable; thread-safe when the retrieval function is.
 */
public final class MultiQueryRetrieval {
    private final int hits;
    private final EvidenceOrder order;

    /**
     * @param hits chunks retrieved per query (&gt; 0)
     * @param order how the union is ordered
     */
    public MultiQueryRetrieval(int hits, EvidenceOrder order) {
        if (hits <= 0) {
            throw new InvalidInputException("hits per query must be > 0, was " + hits);
        }
        this.hits = hits;
        this.order = Objects.requireNonNull(order, "order");
    }

    /**
     * Retrieves with {@code retrieveAll} (one call for all queries, so embedders can batch them) and merges.
     *
     * @param queries retrieval queries, the original query last
     * @param retrieveAll returns, for a list of queries and k, one ranked hit list per query
     * @param documentOrdinal position of a document among the memorised ones (unknown ids sort last)
     */
    public List<Hit> retrieve(List<String> queries, RetrieveAll retrieveAll, Function<String, Integer> documentOrdinal) {
        if (queries.isEmpty()) {
            throw new InvalidInputException("multi-query retrieval needs at least one query");
        }
        List<List<Hit>> perQuery = retrieveAll.retrieveAll(queries, hits);
        if (perQuery.size() != queries.size()) {
            throw new dev.memorag.error.MemoRagException("retriever returned " + perQuery.size() + " result lists for "
                    + queries.size() + " queries");
        }
        return merge(perQuery, documentOrdinal);
    }

    /** Convenience for a plain {@link Retriever}: one query at a time. */
    public List<Hit> retrieveEach(List<String> queries, Retriever retriever,
            Function<String, Integer> documentOrdinal) {
        return retrieve(queries, (qs, k) -> {
            List<List<Hit>> out = new ArrayList<>(qs.size());
            for (String q : qs) {
                out.add(retriever.retrieve(q, k));
            }
            return out;
        }, documentOrdinal);
    }

    /** Union of the ranked lists, de-duplicated by chunk id, ordered as configured. */
    List<Hit> merge(List<List<Hit>> perQuery, Function<String, Integer> documentOrdinal) {
        Map<String, Chunk> chunks = new LinkedHashMap<>();
        Map<String, Double> best = new HashMap<>();
        ReciprocalRankFusion<String> rrf = new ReciprocalRankFusion<>(ReciprocalRankFusion.DEFAULT_K);
        for (List<Hit> ranked : perQuery) {
            List<Hit> top = ranked.subList(0, Math.min(hits, ranked.size()));
            for (Hit h : top) {
                chunks.putIfAbsent(h.chunk().id(), h.chunk());
                best.merge(h.chunk().id(), h.score(), Math::max);
            }
            rrf.add(top.stream().map(h -> h.chunk().id()).toList(), 1.0);
        }
        Map<String, Double> fused = rrf.scores();
        Comparator<Chunk> position = Comparator
                .comparingInt((Chunk c) -> {
                    Integer ordinal = documentOrdinal.apply(c.documentId());
                    return ordinal == null ? Integer.MAX_VALUE : ordinal;
                })
                .thenComparingInt(Chunk::start)
                .thenComparing(Chunk::id);
        Comparator<Chunk> cmp = order == EvidenceOrder.DOCUMENT_POSITION ? position
                : Comparator.comparingDouble((Chunk c) -> -fused.get(c.id())).thenComparing(position);
        List<Hit> out = new ArrayList<>(chunks.size());
        chunks.values().stream().sorted(cmp).forEach(c -> out.add(new Hit(c, best.get(c.id()))));
        return out;
    }

    public int hits() {
        return hits;
    }

    public EvidenceOrder order() {
        return order;
    }

    /** Batched retrieval: result i holds the ranked hits of query i. Thread-safety: as the implementation's. */
    @FunctionalInterface
    public interface RetrieveAll {
        List<List<Hit>> retrieveAll(List<String> queries, int k);
    }
}

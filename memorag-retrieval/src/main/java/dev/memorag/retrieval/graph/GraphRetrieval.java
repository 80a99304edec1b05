package dev.memorag.retrieval.graph;

import dev.memorag.api.Hit;
import java.util.List;
import java.util.Map;

/**
 * One graph retrieval with its intermediate steps, for evaluation and debugging.
 *
 * <p>Thread-safety: immutable.
 *
 * @param hits passages, best first (PageRank mass, or cosine when {@code denseFallback})
 * @param candidateFacts the top facts by query similarity, before filtering
 * @param keptFacts the facts that seeded the graph
 * @param phraseSeeds seeded phrase texts and their weights
 * @param denseFallback whether no fact survived and dense retrieval answered
 */
public record GraphRetrieval(List<Hit> hits, List<Fact> candidateFacts, List<Fact> keptFacts,
        Map<String, Double> phraseSeeds, boolean denseFallback) {
    public GraphRetrieval {
        hits = List.copyOf(hits);
        candidateFacts = List.copyOf(candidateFacts);
        keptFacts = List.copyOf(keptFacts);
        phraseSeeds = Map.copyOf(phraseSeeds);
    }
}

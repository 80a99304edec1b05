package dev.memorag.retrieval.graph;

import java.util.List;

/**
 * HippoRAG 2's "recognition memory": given a query and the best-matching facts, keeps only those relevant to it.
 *
 * <p>Thread-safety: implementations must allow concurrent calls (retrievers are queried concurrently).
 */
@FunctionalInterface
public interface FactFilter {
    /** A subset of {@code candidates} (in their order) judged relevant to {@code query}; may be empty. */
    List<Fact> filter(String query, List<Fact> candidates);
}

package dev.memorag.retrieval.graph;

import java.util.List;

/**
 * What one {@link KnowledgeGraph#insert} changed, and which triples it refused.
 *
 * <p>Thread-safety: immutable.
 *
 * @param passages passages added
 * @param newPhrases phrase nodes created
 * @param newFacts facts created (facts already known only gain a supporting passage)
 * @param droppedTriples triples refused, each naming the passage, the triple's position and the reason
 */
public record InsertReport(int passages, int newPhrases, int newFacts, List<String> droppedTriples) {
    public InsertReport {
        droppedTriples = List.copyOf(droppedTriples);
    }
}

package dev.memorag.retrieval.graph;

/**
 * One undirected edge of the knowledge graph, named by node keys ({@code "passage:<id>"} or {@code "phrase:<text>"},
 * with {@code a < b}), for inspection and tests.
 *
 * <p>Thread-safety: immutable.
 *
 * @param kind what the edge stands for
 * @param a the lexicographically smaller node key
 * @param b the other node key
 * @param weight edge weight
 */
public record GraphEdge(Kind kind, String a, String b, double weight) {
    /** Edge kinds; the weights of parallel edges of different kinds add up in the PageRank graph. */
    public enum Kind {
        /** Passage to a phrase its facts mention, weight 1. */
        PASSAGE,
        /** Subject to object, weight = number of (passage, fact) pairs stating it. */
        RELATION,
        /** Phrase to a near-duplicate phrase, weight = cosine of their embeddings. */
        SYNONYM
    }
}

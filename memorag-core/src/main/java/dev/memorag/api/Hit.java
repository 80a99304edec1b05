package dev.memorag.api;

import java.util.Objects;

/**
 * A retrieved chunk with its score. Higher scores are better; the scale depends on the retriever (inner product for
 * dense retrieval, BM25 score, fused rank score, PageRank mass).
 *
 * <p>Thread-safety: immutable.
 *
 * @param chunk the retrieved chunk
 * @param score the retriever's score
 */
public record Hit(Chunk chunk, double score) {
    public Hit {
        Objects.requireNonNull(chunk, "chunk");
    }
}

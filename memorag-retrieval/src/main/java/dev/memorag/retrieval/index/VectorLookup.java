package dev.memorag.retrieval.index;

/**
 * Access to stored vectors by id, so that fusion can score candidates another retriever found.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
public interface VectorLookup {
    /** The stored vector of {@code id}, or null when absent. */
    float[] vector(long id);
}

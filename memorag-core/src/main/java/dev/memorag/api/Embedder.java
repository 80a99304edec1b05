package dev.memorag.api;

import java.util.List;

/**
 * Turns texts into dense vectors (L2-normalised unless the implementation documents otherwise), so that inner product
 * equals cosine similarity.
 *
 * <p>Thread-safety: the library's embedders are thread-safe.
 */
public interface Embedder extends AutoCloseable {

    /**
     * Embeds {@code texts}; result row i belongs to text i.
     *
     * @param progress called with the number of texts done
     */
    float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress);

    /** Embeds without progress reporting. */
    default float[][] embed(List<String> texts, EmbedPurpose purpose) {
        return embed(texts, purpose, ProgressListener.NONE);
    }

    /** Embeds one query. */
    default float[] embedQuery(String query) {
        return embed(List.of(query), EmbedPurpose.QUERY)[0];
    }

    /** Vector length. */
    int dimension();

    /** Model identifier recorded in manifests, e.g. {@code "BAAI/bge-small-en-v1.5-q"}. */
    String id();

    /** Releases native resources; idempotent. */
    @Override
    default void close() {
    }
}

package dev.memorag.api;

/**
 * Counts tokens of a text under some tokenizer (cl100k by default, the count MemoRAG reports).
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
@FunctionalInterface
public interface TokenCounter {

    /** Number of tokens in {@code text}. */
    int count(String text);
}

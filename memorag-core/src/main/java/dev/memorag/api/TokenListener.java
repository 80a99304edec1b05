package dev.memorag.api;

/**
 * Receives generated text as it is produced (streaming). Called on the generating thread, in order.
 *
 * <p>Thread-safety: implementations are called from one thread at a time per generation.
 */
@FunctionalInterface
public interface TokenListener {
    /** A listener that ignores everything. */
    TokenListener NONE = piece -> { };

    /** Called with each new piece of text (one or more tokens, possibly an incomplete word). */
    void onText(String piece);
}

package dev.memorag.api;

/**
 * Why a generation ended.
 *
 * <p>Thread-safety: immutable.
 */
public enum FinishReason {
    /** An end-of-sequence token or a stop string. */
    STOP,
    /** The {@code maxNewTokens} limit. */
    LENGTH,
    /** Anything else reported by a remote API (content filter, tool call). */
    OTHER
}

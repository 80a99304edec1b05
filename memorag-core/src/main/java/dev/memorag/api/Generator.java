package dev.memorag.api;

import java.util.List;

/**
 * Produces a reply to a chat conversation: a local LLM, or a remote OpenAI-compatible API.
 *
 * <p>Thread-safety: implementations document their own; the library's remote generators are thread-safe, local ones
 * serialise calls internally.
 */
@FunctionalInterface
public interface Generator extends AutoCloseable {

    /**
     * Generates the assistant's reply, streaming text to {@code listener} as it is produced.
     *
     * @throws dev.memorag.error.GenerationException when the call fails
     * @throws dev.memorag.error.CancelledException when {@code options.cancellation()} is cancelled
     */
    GenerationResult generate(List<ChatMessage> messages, GenerationOptions options, TokenListener listener);

    /** Generates without streaming. */
    default GenerationResult generate(List<ChatMessage> messages, GenerationOptions options) {
        return generate(messages, options, TokenListener.NONE);
    }

    /** A short identifier for logs and manifests (model name or path); never contains secrets. */
    default String id() {
        return getClass().getSimpleName();
    }

    /**
     * The number of prompt tokens this generator accepts (its context window minus nothing), used to fit retrieved
     * evidence; {@code Integer.MAX_VALUE} when unknown.
     */
    default int contextTokens() {
        return Integer.MAX_VALUE;
    }

    /** Releases resources; idempotent. */
    @Override
    default void close() {
    }
}

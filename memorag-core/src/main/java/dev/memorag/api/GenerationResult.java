package dev.memorag.api;

import java.util.Objects;

/**
 * The text a generator produced, why it stopped, and the tokens it used.
 *
 * <p>Thread-safety: immutable.
 *
 * @param text generated text (stop strings excluded)
 * @param finishReason why generation ended
 * @param usage prompt and completion tokens
 */
public record GenerationResult(String text, FinishReason finishReason, TokenUsage usage) {
    public GenerationResult {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
    }
}

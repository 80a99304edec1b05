package dev.memorag.api;

import dev.memorag.error.InvalidInputException;

/**
 * Tokens consumed by one or more generator calls.
 *
 * <p>Thread-safety: immutable.
 *
 * @param promptTokens tokens read (prompt, memory instruction, evidence)
 * @param completionTokens tokens generated
 */
public record TokenUsage(long promptTokens, long completionTokens) {
    public static final TokenUsage ZERO = new TokenUsage(0, 0);

    public TokenUsage {
        if (promptTokens < 0 || completionTokens < 0) {
            throw new InvalidInputException(
                    "TokenUsage must be non-negative: prompt=" + promptTokens + " completion=" + completionTokens);
        }
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(promptTokens + other.promptTokens, completionTokens + other.completionTokens);
    }
}

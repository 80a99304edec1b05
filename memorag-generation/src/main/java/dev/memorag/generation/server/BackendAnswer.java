package dev.memorag.generation.server;

import dev.memorag.api.FinishReason;
import dev.memorag.api.Hit;
import dev.memorag.api.TokenUsage;
import java.util.List;
import java.util.Objects;

/**
 * A {@link ChatBackend}'s answer: the text, why it ended, the tokens used and the evidence it rests on (returned to
 * clients in the extra response field {@code evidence}).
 *
 * <p>Thread-safety: immutable.
 *
 * @param text the full answer text (the same text streamed to the listener)
 * @param finishReason why generation ended
 * @param usage prompt and completion tokens
 * @param evidence retrieved chunks behind the answer, best first; empty for a bare generator
 */
public record BackendAnswer(String text, FinishReason finishReason, TokenUsage usage, List<Hit> evidence) {
    public BackendAnswer {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
        evidence = List.copyOf(Objects.requireNonNull(evidence, "evidence"));
    }
}

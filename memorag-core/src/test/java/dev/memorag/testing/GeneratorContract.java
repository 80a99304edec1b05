package dev.memorag.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.CancellationToken;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.error.CancelledException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Generator} keeps, as a JUnit 5 kit: extend it in the implementation's module and return a
 * fresh instance from {@link #newGenerator()} (the kit closes it). A generator streams pieces that join to the text
 * it returns, reports a finish reason and non-negative usage within the token limit, stops with
 * {@link CancelledException} when the call's token is already cancelled, and closes idempotently.
 */
public abstract class GeneratorContract {

    /** A new generator, ready to answer; the kit closes it. */
    protected abstract Generator newGenerator();

    /** The conversation the kit sends. */
    protected List<ChatMessage> messages() {
        return List.of(ChatMessage.user("Where did the White Rabbit go? Answer in one short sentence."));
    }

    /** New tokens the kit asks for. */
    protected int maxNewTokens() {
        return 4;
    }

    private GenerationOptions options(CancellationToken cancellation) {
        return GenerationOptions.builder().maxNewTokens(maxNewTokens()).cancellation(cancellation).build();
    }

    @Test
    void streamedPiecesJoinToTheReturnedText() {
        try (Generator g = newGenerator()) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = g.generate(messages(), options(CancellationToken.NONE), streamed::append);
            assertNotNull(r.text());
            assertEquals(r.text(), streamed.toString());
        }
    }

    @Test
    void reportsAFinishReasonAndUsageWithinTheLimit() {
        try (Generator g = newGenerator()) {
            GenerationResult r = g.generate(messages(), options(CancellationToken.NONE));
            assertNotNull(r.finishReason());
            assertTrue(r.usage().promptTokens() >= 0, "prompt tokens " + r.usage());
            assertTrue(r.usage().completionTokens() >= 0 && r.usage().completionTokens() <= maxNewTokens(),
                    "completion tokens " + r.usage() + " for at most " + maxNewTokens());
        }
    }

    @Test
    void anAlreadyCancelledCallStopsWithCancelledException() {
        try (Generator g = newGenerator()) {
            CancellationToken token = new CancellationToken();
            token.cancel();
            assertThrows(CancelledException.class, () -> g.generate(messages(), options(token)));
        }
    }

    @Test
    void namesItselfAndItsWindow() {
        try (Generator g = newGenerator()) {
            assertFalse(g.id().isBlank());
            assertTrue(g.contextTokens() > 0, "contextTokens " + g.contextTokens());
        }
    }

    @Test
    void closeIsIdempotent() {
        Generator g = newGenerator();
        g.close();
        assertDoesNotThrow(g::close);
    }
}

package dev.memorag.generation;

import dev.memorag.error.GenerationException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic generator for tests: answers {@code "echo: <last message>"} word by word, with usage = word counts.
 * Optionally sleeps per call and fails the first {@code failures} calls.
 */
public final class FakeGenerator implements Generator {
    private final AtomicInteger calls = new AtomicInteger();
    private final long delayMs;
    private final AtomicInteger failures;

    public FakeGenerator() {
        this(0, 0);
    }

    public FakeGenerator(long delayMs, int failures) {
        this.delayMs = delayMs;
        this.failures = new AtomicInteger(failures);
    }

    public int calls() {
        return calls.get();
    }

    /** The answer this generator gives to {@code messages}. */
    public static String answerFor(List<ChatMessage> messages) {
        return "echo: " + messages.get(messages.size() - 1).content();
    }

    @Override
    public GenerationResult generate(List<ChatMessage> messages, GenerationOptions options, TokenListener listener) {
        calls.incrementAndGet();
        if (delayMs > 0) {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failures.getAndDecrement() > 0) {
            throw new GenerationException("fake failure", 503, true, null);
        }
        String text = answerFor(messages);
        String[] words = text.split("(?<= )");
        for (String w : words) {
            options.cancellation().throwIfCancelled("fake generation");
            listener.onText(w);
        }
        long prompt = messages.stream().mapToLong(m -> m.content().split(" ").length).sum();
        return new GenerationResult(text, FinishReason.STOP, new TokenUsage(prompt, words.length));
    }

    @Override
    public String id() {
        return "fake:echo";
    }
}

package dev.memorag.fakes;

import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A generator that answers "answer#N" (N = prompt length) in two streamed pieces and records its prompts. */
public final class FakeGenerator implements Generator {
    private final int contextTokens;
    private final List<String> prompts = Collections.synchronizedList(new ArrayList<>());

    public FakeGenerator(int contextTokens) {
        this.contextTokens = contextTokens;
    }

    public List<String> prompts() {
        return List.copyOf(prompts);
    }

    @Override
    public GenerationResult generate(List<ChatMessage> messages, GenerationOptions options, TokenListener listener) {
        options.cancellation().throwIfCancelled("fake generation");
        String prompt = messages.get(messages.size() - 1).content();
        prompts.add(prompt);
        listener.onText("answer#");
        listener.onText(Integer.toString(prompt.length()));
        return new GenerationResult("answer#" + prompt.length(), FinishReason.STOP, new TokenUsage(prompt.length(), 2));
    }

    @Override
    public String id() {
        return "fake-generator";
    }

    @Override
    public int contextTokens() {
        return contextTokens;
    }
}

package dev.memorag.generation.server;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.TokenListener;
import java.util.List;
import java.util.Objects;

/**
 * Serves a plain {@link Generator} through {@link ChatServer}: the conversation goes to the generator unchanged and the
 * answer has no evidence.
 *
 * <p>Thread-safety: as thread-safe as the generator (the library's generators are).
 */
public final class GeneratorBackend implements ChatBackend {
    private final Generator generator;
    private final String modelId;

    private GeneratorBackend(Generator generator, String modelId) {
        this.generator = generator;
        this.modelId = modelId;
    }

    /** Serves {@code generator} under its own {@link Generator#id()}. */
    public static GeneratorBackend of(Generator generator) {
        Objects.requireNonNull(generator, "generator");
        return of(generator, generator.id());
    }

    /** Serves {@code generator} under the model id {@code modelId}. */
    public static GeneratorBackend of(Generator generator, String modelId) {
        Objects.requireNonNull(generator, "generator");
        if (modelId == null || modelId.isBlank()) {
            throw new InvalidInputException("GeneratorBackend: modelId must not be blank");
        }
        return new GeneratorBackend(generator, modelId);
    }

    @Override
    public BackendAnswer answer(List<ChatMessage> messages, GenerationOptions options, TokenListener listener) {
        GenerationResult r = generator.generate(messages, options, listener);
        return new BackendAnswer(r.text(), r.finishReason(), r.usage(), List.of());
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public String toString() {
        return "GeneratorBackend[" + modelId + "]";
    }
}

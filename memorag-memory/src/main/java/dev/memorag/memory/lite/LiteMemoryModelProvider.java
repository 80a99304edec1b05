package dev.memorag.memory.lite;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Generator;
import dev.memorag.api.MemoryModel;
import dev.memorag.spi.MemoryModelProvider;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;

/**
 * Resolves {@code lite:<chat model>} to MemoRAG-Lite's {@link GistMemoryModel}: the chat model (any generator
 * reference: a local model directory, {@code openai:<model>}, an OpenAI-compatible URL) is created through
 * {@link Providers#generator} with the same options, and the gist memory owns and closes it.
 *
 * <p>Thread-safety: stateless.
 */
public final class LiteMemoryModelProvider implements MemoryModelProvider {
    /** The reference prefix. */
    public static final String PREFIX = "lite:";

    @Override
    public boolean supports(String reference) {
        return reference.startsWith(PREFIX);
    }

    @Override
    public MemoryModel create(String reference, ProviderOptions options) {
        String chat = reference.substring(PREFIX.length()).strip();
        if (chat.isEmpty()) {
            throw new InvalidInputException("memory model reference '" + reference + "' names no chat model after '"
                    + PREFIX + "'");
        }
        Generator generator = Providers.generator(chat, options);
        try {
            return GistMemoryModel.builder().generator(generator).build();
        } catch (RuntimeException e) {
            generator.close();
            throw e;
        }
    }
}

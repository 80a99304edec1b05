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
 * {@link Providers#generator} with the same options, and the gist memory owns and closes it. Options
 * {@value #CHUNK_TOKENS} and {@value #GIST_TOKENS} size the gists (small models on CPU want smaller ones).
 *
 * <p>Thread-safety: stateless.
 */
public final class LiteMemoryModelProvider implements MemoryModelProvider {
    /** The reference prefix. */
    public static final String PREFIX = "lite:";
    /** Option: chunk size of the gists in cl100k tokens (default {@link GistMemoryModel.Builder#chunkTokens}). */
    public static final String CHUNK_TOKENS = "gist_chunk_tokens";
    /** Option: maximum new tokens per gist (default {@link GistMemoryModel.Builder#gistTokens}). */
    public static final String GIST_TOKENS = "gist_tokens";

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
            GistMemoryModel.Builder b = GistMemoryModel.builder().generator(generator);
            if (options.get(CHUNK_TOKENS).isPresent()) {
                b.chunkTokens(options.intValue(CHUNK_TOKENS, 0));
            }
            if (options.get(GIST_TOKENS).isPresent()) {
                b.gistTokens(options.intValue(GIST_TOKENS, 0));
            }
            return b.build();
        } catch (RuntimeException e) {
            generator.close();
            throw e;
        }
    }
}

package dev.memorag.spi;

import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import java.nio.file.Path;

/**
 * ServiceLoader entry point ({@code META-INF/services/dev.memorag.spi.ChunkIndexProvider}) that creates and reloads
 * {@link ChunkIndex} implementations of one {@link ChunkIndexKind}.
 *
 * <p>Thread-safety: implementations must be thread-safe and stateless.
 */
public interface ChunkIndexProvider {

    /** The kind this provider creates. */
    ChunkIndexKind kind();

    /** A new, empty index using {@code embedder} (may be ignored by lexical indexes). */
    ChunkIndex create(Embedder embedder, ProviderOptions options);

    /**
     * Reloads an index written by {@link ChunkIndex#save}. Fails with a clear error, leaving files untouched, when
     * {@code embedder}'s id or dimension differs from the saved one.
     */
    ChunkIndex load(Path directory, Embedder embedder);
}

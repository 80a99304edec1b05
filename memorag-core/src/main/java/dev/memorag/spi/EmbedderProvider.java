package dev.memorag.spi;

import dev.memorag.api.Embedder;

/**
 * ServiceLoader entry point for {@link Embedder} implementations
 * ({@code META-INF/services/dev.memorag.spi.EmbedderProvider}).
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
public interface EmbedderProvider extends ComponentProvider<Embedder> {
}

package dev.memorag.spi;

import dev.memorag.api.Generator;

/**
 * ServiceLoader entry point for {@link Generator} implementations
 * ({@code META-INF/services/dev.memorag.spi.GeneratorProvider}).
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
public interface GeneratorProvider extends ComponentProvider<Generator> {
}

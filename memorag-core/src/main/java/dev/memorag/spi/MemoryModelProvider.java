package dev.memorag.spi;

import dev.memorag.api.MemoryModel;

/**
 * ServiceLoader entry point for {@link MemoryModel} implementations
 * ({@code META-INF/services/dev.memorag.spi.MemoryModelProvider}).
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
public interface MemoryModelProvider extends ComponentProvider<MemoryModel> {
}

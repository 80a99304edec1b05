package dev.memorag.pipeline;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.spi.ChunkIndexProvider;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Finds {@link ChunkIndexProvider}s on the class path by {@link ChunkIndexKind}.
 *
 * <p>Thread-safety: stateless and thread-safe.
 */
public final class ChunkIndexProviders {
    private ChunkIndexProviders() {
    }

    /** The provider of {@code kind}, if one is on the class path. */
    public static Optional<ChunkIndexProvider> find(ChunkIndexKind kind) {
        for (ChunkIndexProvider p : ServiceLoader.load(ChunkIndexProvider.class,
                ChunkIndexProviders.class.getClassLoader())) {
            if (p.kind() == kind) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The provider of {@code kind}, or a clear error naming the module that implements it. */
    public static ChunkIndexProvider require(ChunkIndexKind kind) {
        return find(kind).orElseThrow(() -> new InvalidInputException("no chunk index provider of kind " + kind
                + " on the class path (add the memorag-retrieval module)"));
    }

    /** The default: hybrid when available, else dense. */
    public static ChunkIndexProvider defaultProvider() {
        return find(ChunkIndexKind.HYBRID).or(() -> find(ChunkIndexKind.DENSE))
                .orElseThrow(() -> new InvalidInputException("no hybrid or dense chunk index provider on the class "
                        + "path (add the memorag-retrieval module, or give the builder a ChunkIndexProvider)"));
    }
}

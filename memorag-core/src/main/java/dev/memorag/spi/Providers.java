package dev.memorag.spi;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Embedder;
import dev.memorag.api.Generator;
import dev.memorag.api.MemoryModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Turns reference strings into components through the providers found on the class path.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class Providers {
    private Providers() {
    }

    public static MemoryModel memoryModel(String reference, ProviderOptions options) {
        return create(MemoryModelProvider.class, "memory model", reference, options);
    }

    public static Embedder embedder(String reference, ProviderOptions options) {
        return create(EmbedderProvider.class, "embedder", reference, options);
    }

    public static Generator generator(String reference, ProviderOptions options) {
        return create(GeneratorProvider.class, "generator", reference, options);
    }

    private static <T, P extends ComponentProvider<T>> T create(Class<P> type, String what, String reference,
            ProviderOptions options) {
        if (reference == null || reference.isBlank()) {
            throw new InvalidInputException(what + " reference must not be blank");
        }
        List<P> candidates = new ArrayList<>();
        for (P p : ServiceLoader.load(type, Providers.class.getClassLoader())) {
            if (p.supports(reference)) {
                candidates.add(p);
            }
        }
        if (candidates.isEmpty()) {
            throw new InvalidInputException("no " + what + " provider supports reference '" + reference
                    + "' (is the module that implements it on the class path?)");
        }
        candidates.sort(Comparator.comparingInt((P p) -> p.priority()).reversed());
        return candidates.get(0).create(reference, options);
    }
}

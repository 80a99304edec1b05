package dev.memorag.spi;

import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelNotFoundException;
import dev.memorag.api.Embedder;
import dev.memorag.api.Generator;
import dev.memorag.api.MemoryModel;
import dev.memorag.model.ModelReferences;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.regex.Pattern;

/**
 * Turns reference strings into components through the providers found on the class path. A reference no provider
 * supports as written is resolved to local files by {@link ModelReferences} (a path, a {@code .gguf} file, a hub id in
 * the Hugging Face cache, downloaded only when {@link ProviderOptions#DOWNLOAD} is set) and offered to the providers
 * again, so every provider sees hub ids the same way.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class Providers {
    /** A URI-style scheme prefix ({@code openai:}, {@code lite:}); a Windows drive letter is a path. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:");

    private Providers() {
    }

    public static MemoryModel memoryModel(String reference, ProviderOptions options) {
        return create(MemoryModelProvider.class, "memory model", "dev.memorag:memorag-memory", reference, options);
    }

    public static Embedder embedder(String reference, ProviderOptions options) {
        return create(EmbedderProvider.class, "embedder", "dev.memorag:memorag-retrieval", reference, options);
    }

    public static Generator generator(String reference, ProviderOptions options) {
        return create(GeneratorProvider.class, "generator",
                "dev.memorag:memorag-generation (OpenAI-compatible) and dev.memorag:memorag-memory (local models)",
                reference, options);
    }

    private static <P extends ComponentProvider<?>> List<P> supporting(Class<P> type, String reference) {
        List<P> out = new ArrayList<>();
        for (P p : ServiceLoader.load(type, Providers.class.getClassLoader())) {
            if (p.supports(reference)) {
                out.add(p);
            }
        }
        return out;
    }

    /** {@code modules}: the artifacts whose providers create {@code what}, named when none takes the reference. */
    private static <T, P extends ComponentProvider<T>> T create(Class<P> type, String what, String modules,
            String reference, ProviderOptions options) {
        if (reference == null || reference.isBlank()) {
            throw new InvalidInputException(what + " reference must not be blank");
        }
        List<P> candidates = supporting(type, reference);
        String resolved = reference;
        if (candidates.isEmpty()) {
            Path local = ModelReferences.resolve(reference, options.flag(ProviderOptions.DOWNLOAD)).orElseThrow(
                    () -> unsupported(type, what, modules, reference));
            resolved = local.toString();
            candidates = supporting(type, resolved);
            if (candidates.isEmpty()) {
                throw new InvalidInputException("no " + what + " provider supports " + local
                        + (local.toString().equals(reference) ? "" : " (resolved from '" + reference + "')")
                        + ": not a model of a kind the modules on the class path load");
            }
        }
        candidates.sort(Comparator.comparingInt((P p) -> p.priority()).reversed());
        return candidates.get(0).create(resolved, options);
    }

    /**
     * The error for a reference that is no model location and that no provider supports: a {@code scheme:} no module
     * on the class path handles, or else a plain name, which users almost always mean as a file or directory; when
     * no module providing {@code what} is on the class path at all, that is the error.
     */
    private static RuntimeException unsupported(Class<?> type, String what, String modules, String reference) {
        if (!ServiceLoader.load(type, Providers.class.getClassLoader()).iterator().hasNext()) {
            return new InvalidInputException("no " + what + " provider supports reference '" + reference + "' ("
                    + what + " providers come from " + modules + "; dev.memorag:memorag-all brings every module)");
        }
        if (SCHEME.matcher(reference.strip()).lookingAt()) {
            return new InvalidInputException("no " + what + " provider supports reference '" + reference
                    + "' (is the module that implements it on the class path?)");
        }
        Path path;
        try {
            path = Path.of(reference.strip()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            return new InvalidInputException(what + " reference '" + reference + "' is neither a path, a Hugging "
                    + "Face id (ORG/NAME) nor a provider reference (scheme:NAME)");
        }
        return new ModelNotFoundException("no such file or directory: " + path + " (" + what + " reference '"
                + reference + "'; a Hugging Face id is written ORG/NAME, a provider reference scheme:NAME)");
    }
}

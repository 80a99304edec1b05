package dev.memorag.internal;

import dev.memorag.api.Embedder;
import dev.memorag.api.Generator;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.util.Objects;

/**
 * The memory model, embedder and generator of one pipeline, each with whether the pipeline owns it (created it from a
 * reference, so closes it) or the caller does (gave an instance).
 *
 * <p>Thread-safety: not thread-safe; {@link PipelineState}'s caller serialises changes.
 */
final class Components implements AutoCloseable {
    private final ProviderOptions options;
    private Owned<MemoryModel> memory;
    private String memoryReference;
    private Owned<Embedder> embedder;
    private String embedderReference;
    private Owned<Generator> generator;

    /** A component, and how the pipeline releases it: closing it when owned, nothing when the caller owns it. */
    private record Owned<T>(T value, Runnable release) {
        static <T> Owned<T> borrowed(T value) {
            return new Owned<>(value, () -> { });
        }
    }

    /** Creates the components the configuration names; on failure closes those already created. */
    Components(PipelineConfig config) {
        options = config.providerOptions();
        boolean ok = false;
        try {
            if (config.memoryModel() != null) {
                memory = Owned.borrowed(config.memoryModel());
            } else if (config.memoryModelRef() != null) {
                memoryForSave(config.memoryModelRef());
            }
            if (config.embedder() != null) {
                embedder = Owned.borrowed(config.embedder());
                embedderReference = config.embedder().id();
            } else if (config.embedderRef() != null) {
                useEmbedder(config.embedderRef());
            }
            if (config.generator() != null) {
                generator = Owned.borrowed(config.generator());
            } else if (config.generatorRef() != null) {
                attachGenerator(config.generatorRef());
            }
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    MemoryModel memory() {
        return memory == null ? null : memory.value();
    }

    /** The reference the memory model was created from, or null when it was given as an instance. */
    String memoryReference() {
        return memoryReference;
    }

    Embedder embedder() {
        return embedder == null ? null : embedder.value();
    }

    /** The reference recorded in saves: the one the embedder was created from, else its id. */
    String embedderReference() {
        return embedderReference;
    }

    /** The configured generator, else the memory model answering as one, else null. */
    Generator generatorOrNull() {
        if (generator != null) {
            return generator.value();
        }
        return memory == null ? null : memory.value().asGenerator();
    }

    /** Uses the language default embedder unless one is configured or the same default is already open. */
    void useDefaultEmbedder(PipelineConfig config, Language lang) {
        String ref = PipelineConfig.defaultEmbedder(lang);
        if (!config.embedderConfigured() && !ref.equals(embedderReference)) {
            useEmbedder(ref);
        }
    }

    /** Creates the embedder from {@code reference} unless one is already open (loading a save). */
    void embedderForSave(String reference) {
        if (embedder == null) {
            useEmbedder(reference);
        }
    }

    private void useEmbedder(String reference) {
        Embedder created = Providers.embedder(reference, options);
        if (embedder != null) {
            embedder.release().run();
        }
        embedder = new Owned<>(created, created::close);
        embedderReference = reference;
    }

    /** Creates the memory model a save was written with unless one is configured. */
    MemoryModel memoryForSave(String reference) {
        if (memory == null) {
            MemoryModel created = Providers.memoryModel(reference, options);
            memory = new Owned<>(created, created::close);
            memoryReference = reference;
        }
        return memory.value();
    }

    /** Drops the memory model (a save made without one is loaded). */
    void dropMemory() {
        if (memory != null) {
            memory.release().run();
        }
        memory = null;
        memoryReference = null;
    }

    /** Replaces the generator; {@code owned} tells whether the pipeline closes it. */
    void attachGenerator(Generator instance, boolean owned) {
        Objects.requireNonNull(instance, "generator");
        if (generator != null && generator.value() != instance) {
            generator.release().run();
        }
        generator = owned ? new Owned<>(instance, instance::close) : Owned.borrowed(instance);
    }

    /** Creates a generator from {@code reference}, owned by the pipeline. */
    void attachGenerator(String reference) {
        attachGenerator(Providers.generator(reference, options), true);
    }

    /** Closes the owned components; idempotent. */
    @Override
    public void close() {
        Owned<?>[] all = {generator, embedder, memory};
        generator = null;
        embedder = null;
        memory = null;
        for (Owned<?> o : all) {
            if (o != null) {
                o.release().run();
            }
        }
    }
}

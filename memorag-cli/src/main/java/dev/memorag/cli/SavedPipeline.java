package dev.memorag.cli;

import dev.memorag.MemoRAG;
import dev.memorag.api.Generator;
import dev.memorag.api.ProgressListener;
import java.nio.file.Path;

/**
 * A pipeline loaded from a save directory for the query commands, with the generator the command line names
 * ({@code --generator}), or else, when nothing local answers (no memory model that can act as a generator), the
 * generator configured by OpenAI-style environment variables. Owns that generator.
 *
 * <p>Thread-safety: as {@link MemoRAG}.
 */
final class SavedPipeline implements AutoCloseable {
    final MemoRAG rag;
    private final Generator generator;

    private SavedPipeline(MemoRAG rag, Generator generator) {
        this.rag = rag;
        this.generator = generator;
    }

    static SavedPipeline open(Path dir, PipelineOptions options, ProgressListener progress) {
        Generator named = options.openGenerator();
        MemoRAG rag = loadWith(dir, options, progress, named);
        if (named != null || rag.hasGenerator()) {
            return new SavedPipeline(rag, named);
        }
        Generator env = options.environmentGenerator();
        if (env == null) {
            return new SavedPipeline(rag, null);
        }
        rag.close();
        return new SavedPipeline(loadWith(dir, options, progress, env), env);
    }

    private static MemoRAG loadWith(Path dir, PipelineOptions options, ProgressListener progress, Generator gen) {
        try {
            return options.builder(progress, gen).load(dir);
        } catch (RuntimeException e) {
            if (gen != null) {
                gen.close();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            rag.close();
        } finally {
            if (generator != null) {
                generator.close();
            }
        }
    }
}

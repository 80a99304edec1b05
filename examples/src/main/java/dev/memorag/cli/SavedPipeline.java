package dev.memorag.cli;

import dev.memorag.MemoRAG;
import dev.memorag.api.Generator;
import dev.memorag.api.ProgressListener;
import java.nio.file.Path;

/**
 * A pipeline loaded from a save directory for the query commands, plus the generator taken from the environment
 * (OpenAI-style variables) when neither {@code --generator} nor a memory model can answer.
 *
 * <p>Thread-safety: as {@link MemoRAG}.
 */
final class SavedPipeline implements AutoCloseable {
    final MemoRAG rag;
    private final Generator environmentGenerator;

    private SavedPipeline(MemoRAG rag, Generator environmentGenerator) {
        this.rag = rag;
        this.environmentGenerator = environmentGenerator;
    }

    static SavedPipeline open(Path dir, PipelineOptions options, ProgressListener progress) {
        MemoRAG rag = options.builder(progress, null).load(dir);
        if (rag.hasGenerator()) {
            return new SavedPipeline(rag, null);
        }
        // Nothing local answers (no --generator, and no memory model that can act as one): fall back to the
        // environment's OpenAI-style generator, if one is configured.
        Generator env = options.environmentGenerator(false);
        if (env == null) {
            return new SavedPipeline(rag, null);
        }
        rag.close();
        try {
            return new SavedPipeline(options.builder(progress, env).load(dir), env);
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            rag.close();
        } finally {
            if (environmentGenerator != null) {
                environmentGenerator.close();
            }
        }
    }
}

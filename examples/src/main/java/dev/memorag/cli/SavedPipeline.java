package dev.memorag.cli;

import dev.memorag.MemoRAG;
import dev.memorag.api.Generator;
import dev.memorag.api.ProgressListener;
import dev.memorag.pipeline.PipelineDescriptor;
import dev.memorag.pipeline.PipelineStore;
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
        PipelineDescriptor d = PipelineStore.readDescriptor(dir);
        boolean memoryAnswers = options.memoryModel != null || d.memoryModelId() != null;
        Generator env = options.environmentGenerator(memoryAnswers);
        try {
            return new SavedPipeline(options.builder(progress, env).load(dir), env);
        } catch (RuntimeException e) {
            if (env != null) {
                env.close();
            }
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

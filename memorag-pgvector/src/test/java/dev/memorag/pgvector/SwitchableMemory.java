package dev.memorag.pgvector;

import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryPrompts;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenListener;
import dev.memorag.error.ModelException;
import dev.memorag.fakes.FakeMemoryModel;
import java.nio.file.Path;

/** The core's fake memory model, made to fail in {@code memorize} or {@code saveState} on demand (a crash mid-way). */
final class SwitchableMemory implements MemoryModel {
    private final FakeMemoryModel fake = new FakeMemoryModel();
    volatile boolean failMemorize;
    volatile boolean failSave;

    @Override
    public void memorize(String text, MemoryPrompts prompts, ProgressListener progress) {
        if (failMemorize) {
            throw new ModelException("injected failure while memorising");
        }
        fake.memorize(text, prompts, progress);
    }

    @Override
    public void append(String text, MemoryPrompts prompts, ProgressListener progress) {
        fake.append(text, prompts, progress);
    }

    @Override
    public GenerationResult instruct(String instruction, GenerationOptions options, TokenListener listener) {
        return fake.instruct(instruction, options, listener);
    }

    @Override
    public boolean hasMemory() {
        return fake.hasMemory();
    }

    @Override
    public MemoryStats stats() {
        return fake.stats();
    }

    @Override
    public void saveState(Path directory) {
        if (failSave) {
            throw new ModelException("injected failure while saving the memory state");
        }
        fake.saveState(directory);
    }

    @Override
    public void loadState(Path directory) {
        fake.loadState(directory);
    }

    @Override
    public String id() {
        return fake.id();
    }
}

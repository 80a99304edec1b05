package dev.memorag.fakes;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.StateException;
import dev.memorag.error.StorageException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryPrompts;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory model whose "memory" is the wrapped text itself and whose answers are canned: an instruction found in
 * {@link #respond} gets that response, anything else an empty string. Counts calls so tests can check what ran.
 * Thread-safe (synchronised).
 */
public final class FakeMemoryModel implements MemoryModel {
    private final Map<String, String> responses = new HashMap<>();
    private final List<String> instructions = Collections.synchronizedList(new ArrayList<>());
    private String memory;
    private boolean canAppend = true;
    private Generator generator;
    public int memorizeCalls;
    public int appendCalls;
    public int closeCalls;

    /** Answers {@code instruction} (exact text) with {@code response}. */
    public synchronized FakeMemoryModel respond(String instruction, String response) {
        responses.put(instruction, response);
        return this;
    }

    public synchronized FakeMemoryModel canAppend(boolean v) {
        canAppend = v;
        return this;
    }

    /** What {@link #asGenerator()} returns. */
    public synchronized FakeMemoryModel generator(Generator g) {
        generator = g;
        return this;
    }

    public synchronized String memory() {
        return memory;
    }

    public List<String> instructions() {
        return List.copyOf(instructions);
    }

    @Override
    public synchronized void memorize(String text, MemoryPrompts prompts, ProgressListener progress) {
        memorizeCalls++;
        memory = prompts.contextTurn(text);
        progress.onProgress("memorize", text.length(), text.length());
    }

    @Override
    public synchronized void append(String text, MemoryPrompts prompts, ProgressListener progress) {
        if (!canAppend) {
            throw new UnsupportedFormatException("fake-memory cannot append");
        }
        appendCalls++;
        memory = memory + "\n" + prompts.contextTurn(text);
    }

    @Override
    public synchronized GenerationResult instruct(String instruction, GenerationOptions options,
            TokenListener listener) {
        if (memory == null) {
            throw new StateException("fake-memory holds no memory");
        }
        instructions.add(instruction);
        String out = responses.getOrDefault(instruction, "");
        listener.onText(out);
        return new GenerationResult(out, FinishReason.STOP, new TokenUsage(instruction.length(), out.length()));
    }

    @Override
    public synchronized boolean hasMemory() {
        return memory != null;
    }

    @Override
    public synchronized MemoryStats stats() {
        long n = memory == null ? 0 : memory.length();
        return new MemoryStats(n, n / 4, n * 2, 4.0);
    }

    @Override
    public synchronized void saveState(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("memory.txt"), memory, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException("cannot write " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void loadState(Path directory) {
        try {
            memory = Files.readString(directory.resolve("memory.txt"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CorruptDataException("missing " + directory.resolve("memory.txt"));
        } catch (IOException e) {
            throw new StorageException("cannot read " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String id() {
        return "fake-memory";
    }

    @Override
    public synchronized Generator asGenerator() {
        return generator;
    }

    @Override
    public synchronized void close() {
        closeCalls++;
    }
}

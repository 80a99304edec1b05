package dev.memorag.api;

import java.nio.file.Path;
import java.util.List;

/**
 * A long-context memory: reads a text once into a compact state (beacon KV cache, full KV cache, or gists), then
 * answers instructions against it. Every instruction starts from the state saved right after memorising, so
 * instructions never change the memory.
 *
 * <p>Thread-safety: implementations serialise calls internally; concurrent {@link #instruct} calls are safe but run
 * one at a time.
 */
public interface MemoryModel extends AutoCloseable {

    /**
     * Reads {@code text} into memory, replacing any previous memory. The text is wrapped as MemoRAG does: a user turn
     * with {@link MemoryPrompts#contextTurn(String)} and an assistant acknowledgement.
     */
    void memorize(String text, MemoryPrompts prompts, ProgressListener progress);

    /**
     * Reads more text into the existing memory, after what it already holds, without re-reading it (multi-document
     * memory). The text is wrapped like {@link #memorize}. Implementations that cannot grow throw
     * {@link dev.memorag.error.UnsupportedFormatException}.
     */
    default void append(String text, MemoryPrompts prompts, ProgressListener progress) {
        throw new dev.memorag.error.UnsupportedFormatException(id() + " cannot append to an existing memory");
    }

    /**
     * Fails fast, before any long work (embedding the chunks, reading the text), when this model cannot read
     * {@code texts}, each wrapped like {@link #memorize}: into a new memory, or with {@code appending} after the
     * memory it holds. The message names the limit and what to change. By default every text is accepted.
     *
     * @throws dev.memorag.error.InvalidInputException when the texts do not fit
     */
    default void requireCapacity(List<String> texts, MemoryPrompts prompts, boolean appending) {
    }

    /**
     * Answers {@code instruction} (a complete user turn, already filled in from a template) against the memory.
     *
     * @throws dev.memorag.error.StateException when nothing has been memorised
     */
    GenerationResult instruct(String instruction, GenerationOptions options, TokenListener listener);

    /** Whether a memory is present (memorised or loaded). */
    boolean hasMemory();

    /** Size of the current memory. */
    MemoryStats stats();

    /** Writes the memory state into {@code directory} (files of its own; the caller builds the manifest). */
    void saveState(Path directory);

    /** Replaces the memory with one previously written by {@link #saveState}; verifies model compatibility. */
    void loadState(Path directory);

    /** Model identifier recorded in manifests. */
    String id();

    /** This memory model viewed as a plain generator (its memory visible while answering), or null if it cannot. */
    default Generator asGenerator() {
        return null;
    }

    /** Releases native resources; idempotent. */
    @Override
    default void close() {
    }
}

package dev.memorag.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.GenerationOptions;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenListener;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.prompt.Prompts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link MemoryModel} keeps, as a JUnit 5 kit: extend it in the implementation's module and return
 * fresh instances of one model from {@link #newModel()} (the kit closes them). A memory model refuses instructions
 * before it holds a memory; after memorising, greedy instructions are repeatable (an instruction never changes the
 * memory); a saved state loads into a fresh instance with the same statistics and answers; appending either grows
 * the memory or throws {@link UnsupportedFormatException}; loading from a directory without a state fails with a
 * library exception; close is idempotent.
 */
public abstract class MemoryModelContract {
    @TempDir
    Path tmp;

    /** A new model holding no memory; the kit closes it. Every call must create the same model. */
    protected abstract MemoryModel newModel();

    /** The text the kit memorises (short: the kit runs with tiny test models). */
    protected String text() {
        return "Alice was beginning to get very tired of sitting by her sister on the bank. Suddenly a White Rabbit "
                + "with pink eyes ran close by her and popped down a large rabbit-hole under the hedge.";
    }

    /** The prompts the kit memorises with. */
    protected Prompts prompts() {
        return Prompts.forLanguage(Language.EN);
    }

    private static GenerationOptions greedy() {
        return GenerationOptions.builder().maxNewTokens(4).build();
    }

    private String ask(MemoryModel m) {
        return m.instruct(prompts().recall("Where did the rabbit go?"), greedy(), TokenListener.NONE).text();
    }

    @Test
    void refusesInstructionsBeforeItHoldsAMemory() {
        try (MemoryModel m = newModel()) {
            assertFalse(m.hasMemory());
            assertThrows(StateException.class, () -> ask(m));
        }
    }

    @Test
    void instructionsAreRepeatableBecauseTheyNeverChangeTheMemory() {
        try (MemoryModel m = newModel()) {
            m.memorize(text(), prompts(), ProgressListener.NONE);
            assertTrue(m.hasMemory());
            MemoryStats before = m.stats();
            assertTrue(before.tokensRead() > 0, "tokens read " + before);
            String first = ask(m);
            assertEquals(first, ask(m));
            assertEquals(before, m.stats());
            assertFalse(m.id().isBlank());
        }
    }

    @Test
    void aSavedStateLoadsIntoAFreshInstance() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("state"));
        String answer;
        MemoryStats stats;
        try (MemoryModel m = newModel()) {
            m.memorize(text(), prompts(), ProgressListener.NONE);
            answer = ask(m);
            stats = m.stats();
            m.saveState(dir);
        }
        try (MemoryModel loaded = newModel()) {
            loaded.loadState(dir);
            assertTrue(loaded.hasMemory());
            assertEquals(stats, loaded.stats());
            assertEquals(answer, ask(loaded));
        }
    }

    @Test
    void appendingGrowsTheMemoryOrSaysItCannot() {
        try (MemoryModel m = newModel()) {
            m.memorize(text(), prompts(), ProgressListener.NONE);
            long before = m.stats().tokensRead();
            try {
                m.append("The rabbit hole went straight on like a tunnel.", prompts(), ProgressListener.NONE);
                assertTrue(m.stats().tokensRead() > before, "tokens read after append " + m.stats());
            } catch (UnsupportedFormatException e) {
                assertTrue(m.hasMemory(), "a refused append keeps the memory");
            }
        }
    }

    @Test
    void loadingFromADirectoryWithoutAStateFails() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        try (MemoryModel m = newModel()) {
            assertThrows(MemoRagException.class, () -> m.loadState(empty));
        }
    }

    @Test
    void closeIsIdempotent() {
        MemoryModel m = newModel();
        m.close();
        assertDoesNotThrow(m::close);
    }
}

package dev.memorag.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryPrompts;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import dev.memorag.prompt.Prompts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class MemoryTest {
    @TempDir
    Path dir;

    /** A memory model that records calls and answers from a script. */
    public static final class ScriptedModel implements MemoryModel {
        public String memorised;
        MemoryPrompts prompts;
        final List<String> instructions = new ArrayList<>();
        final List<Integer> maxTokens = new ArrayList<>();
        public String reply = "";
        boolean failSave;

        @Override
        public void memorize(String text, MemoryPrompts p, ProgressListener progress) {
            memorised = text;
            prompts = p;
            progress.onProgress("memorize", 1, 1);
        }

        @Override
        public GenerationResult instruct(String instruction, GenerationOptions options, TokenListener listener) {
            if (memorised == null) {
                throw new StateException("no memory");
            }
            instructions.add(instruction);
            maxTokens.add(options.maxNewTokens());
            assertTrue(options.isGreedy());
            return new GenerationResult(reply, FinishReason.STOP, new TokenUsage(1, 1));
        }

        @Override
        public boolean hasMemory() {
            return memorised != null;
        }

        @Override
        public MemoryStats stats() {
            return new MemoryStats(memorised == null ? 0 : memorised.length(), 5, 100, 2.0);
        }

        @Override
        public void saveState(Path d) {
            if (failSave) {
                throw new StateException("disk full (simulated) in " + d);
            }
            try {
                Files.writeString(d.resolve("fake.state"), memorised);
            } catch (IOException e) {
                throw new StateException(e.getMessage(), e);
            }
        }

        @Override
        public void loadState(Path d) {
            try {
                memorised = Files.readString(d.resolve("fake.state"));
            } catch (IOException e) {
                throw new StateException(e.getMessage(), e);
            }
        }

        @Override
        public String id() {
            return "scripted";
        }
    }

    static final String TEXT = "The castle stood on the hill for three hundred years before the flood came.";

    @Test
    void instructionsUseTemplatesAndMemoRagTokenLimits() {
        ScriptedModel m = new ScriptedModel();
        try (Memory mem = Memory.builder().model(m).build()) {
            long[] progress = new long[1];
            mem.memorize(TEXT, (s, d, t) -> progress[0] = d);
            assertEquals(1, progress[0]);
            assertEquals(Language.EN, mem.language());
            m.reply = "the castle stood on the hill\nshort\n\nthe flood came after three hundred years\n";
            assertEquals(List.of("the castle stood on the hill", "the flood came after three hundred years"),
                    mem.recall("When did the flood come?"));
            assertTrue(m.instructions.get(0).contains("When did the flood come?"));
            assertEquals(Prompts.forLanguage(Language.EN).recall("When did the flood come?"), m.instructions.get(0));
            mem.rewrite("flood?");
            assertEquals(Prompts.forLanguage(Language.EN).rewrite("flood?"), m.instructions.get(1));
            m.reply = "  Three hundred years.  ";
            assertEquals("Three hundred years.", mem.answer("How long?"));
            m.reply = "1. The castle stood on a hill.\n2) A flood came after centuries.\n- Nobody lived there afterwards.";
            assertEquals(List.of("The castle stood on a hill.", "A flood came after centuries.",
                    "Nobody lived there afterwards."), mem.summarize());
            assertEquals(List.of(128, 128, 128, 512), m.maxTokens);
        }
    }

    @Test
    void chineseTextSelectsChinesePromptsAndKeepsChineseClues() {
        ScriptedModel m = new ScriptedModel();
        try (Memory mem = Memory.builder().model(m).build()) {
            mem.memorize("城堡在山上矗立了三百年，直到洪水来临。", ProgressListener.NONE);
            assertEquals(Language.ZH, mem.language());
            assertEquals(Language.ZH, m.prompts.language());
            m.reply = "城堡在山上矗立了三百年\n洪水";
            assertEquals(List.of("城堡在山上矗立了三百年"), mem.recall("洪水什么时候来的？"));
        }
    }

    @Test
    void templatesCanBeOverridden() {
        ScriptedModel m = new ScriptedModel();
        try (Memory mem = Memory.builder().model(m).template(Prompts.Template.RECALL, "CLUES FOR {question}")
                .build()) {
            mem.memorize(TEXT);
            mem.recall("x?");
            assertEquals("CLUES FOR x?", m.instructions.get(0));
        }
    }

    @Test
    void badInputIsRejectedClearly() {
        ScriptedModel m = new ScriptedModel();
        try (Memory mem = Memory.builder().model(m).maxTokens(5).build()) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> mem.memorize("   "));
            assertTrue(e.getMessage().contains("empty"));
            e = assertThrows(InvalidInputException.class, () -> mem.memorize(TEXT));
            assertTrue(e.getMessage().contains("limit of 5"), e.getMessage());
            StateException s = assertThrows(StateException.class, () -> mem.recall("q?"));
            assertTrue(s.getMessage().contains("nothing memorised"));
            assertThrows(InvalidInputException.class, () -> mem.load(dir.resolve("nothing")));
        }
    }

    @Test
    void saveLoadRoundTripAndFailedSaveKeepsPrevious() throws IOException {
        ScriptedModel m = new ScriptedModel();
        Path save = dir.resolve("save");
        try (Memory mem = Memory.builder().model(m).build()) {
            mem.memorize(TEXT);
            mem.save(save);
            assertTrue(Files.exists(save.resolve(Memory.DESCRIPTOR)));
            byte[] before = Files.readAllBytes(save.resolve("fake.state"));

            m.memorised = "another text entirely, which must not replace the previous save";
            m.failSave = true;
            assertThrows(StateException.class, () -> mem.save(save));
            assertArrayEquals(before, Files.readAllBytes(save.resolve("fake.state")));
            try (var s = Files.list(dir)) {
                assertEquals(List.of("save"), s.map(p -> p.getFileName().toString()).toList());
            }
        }
        ScriptedModel fresh = new ScriptedModel();
        try (Memory mem = Memory.builder().model(fresh).build()) {
            mem.load(save);
            assertEquals(TEXT, fresh.memorised);
            assertEquals(Language.EN, mem.language());
            fresh.reply = "one two three four five";
            assertFalse(mem.recall("q?").isEmpty());
        }
    }

    @Test
    void damagedDescriptorIsRejected() throws IOException {
        Path save = dir.resolve("bad");
        Files.createDirectories(save);
        Files.writeString(save.resolve(Memory.DESCRIPTOR), "{\"format\":\"other\"}");
        try (Memory mem = Memory.builder().model(new ScriptedModel()).build()) {
            var e = assertThrows(dev.memorag.error.CorruptDataException.class, () -> mem.load(save));
            assertTrue(e.getMessage().contains("format") && e.getMessage().contains(save.toString()),
                    e.getMessage());
        }
    }
}

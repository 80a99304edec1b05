package dev.memorag.memory.beacon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenListener;
import dev.memorag.memory.Memory;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.memory.state.MemoryStateFile;
import dev.memorag.memory.state.StorageType;
import dev.memorag.prompt.Prompts;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text-level memory models on a tiny random checkpoint (byte-level tokenizer, ChatML template). */
class BeaconMemoryModelTest {
    @TempDir
    static Path models;

    @TempDir
    Path dir;

    static Path beacon;
    static Path plain;
    static final String TEXT = "The lighthouse keeper counted ships every night. In winter the sea froze and no "
            + "ships came, so he counted stars instead, and wrote the numbers in a blue notebook.";

    @BeforeAll
    static void makeModels() {
        plain = models.resolve("plain");
        RandomCheckpoint.write(plain, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 3);
        beacon = models.resolve("beacon");
        RandomCheckpoint.write(beacon, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 3);
        BeaconCheckpoint.addBeacon(beacon, 4, 32, 5);
    }

    @Test
    void memoriseCompressesAndInstructionsNeverChangeTheMemory() {
        try (MemoryModel m = BeaconMemoryModel.load(beacon, null, 0, StorageType.FLOAT32)) {
            List<Long> progress = new ArrayList<>();
            m.memorize(TEXT, Prompts.forLanguage(Language.EN), (s, d, t) -> progress.add(d));
            assertTrue(progress.size() > 1, "progress per window");
            MemoryStats s = m.stats();
            assertTrue(s.tokensRead() > TEXT.length(), "byte-level tokens plus the prompt: " + s);
            assertTrue(s.compressionRatio() > 3, "ratio-4 compression: " + s);
            GenerationOptions greedy = GenerationOptions.greedy(12);
            String a = m.instruct("What did he count?", greedy, TokenListener.NONE).text();
            StringBuilder streamed = new StringBuilder();
            String b = m.instruct("What did he count?", greedy, streamed::append).text();
            assertEquals(a, b);
            assertEquals(b, streamed.toString());
            assertEquals(s, m.stats());
            // as a generator (MemoRAG's default generator) it answers the same user turn against the same memory
            dev.memorag.api.Generator g = m.asGenerator();
            assertEquals(a, g.generate(List.of(dev.memorag.api.ChatMessage.user("What did he count?")), greedy).text());
            assertTrue(g.contextTokens() > 0);
            assertThrows(InvalidInputException.class, () -> g.generate(
                    List.of(dev.memorag.api.ChatMessage.assistant("hi")), greedy));
            assertEquals(s, m.stats());
            // a second document extends the memory without re-reading the first
            m.append("The notebook was lost in a storm.", Prompts.forLanguage(Language.EN), ProgressListener.NONE);
            assertTrue(m.stats().tokensRead() > s.tokensRead());
            assertTrue(m.stats().kvEntries() > s.kvEntries());
        }
    }

    @Test
    void memorySaveLoadAndBadInput() throws IOException {
        Path save = dir.resolve("save");
        String before;
        try (Memory mem = Memory.builder()
                .model(Providers.memoryModel(beacon.toString(), ProviderOptions.EMPTY)).maxTokens(200).build()) {
            assertInstanceOf(BeaconMemoryModel.class, mem.model());
            assertThrows(InvalidInputException.class, () -> mem.memorize(""));
            InvalidInputException tooLong = assertThrows(InvalidInputException.class,
                    () -> mem.memorize(TEXT.repeat(20)));
            assertTrue(tooLong.getMessage().contains("limit of 200"), tooLong.getMessage());
            mem.memorize(TEXT, ProgressListener.NONE);
            before = mem.answer("What did he count?");
            mem.save(save);
        }
        assertTrue(Files.isRegularFile(save.resolve(MemoryStateFile.FILE_NAME)));
        try (Memory mem = Memory.builder().model(BeaconMemoryModel.load(beacon, null, 0, StorageType.FLOAT32))
                .build()) {
            mem.load(save);
            assertEquals(before, mem.answer("What did he count?"));
        }
        // a memory from another model (same shapes, other beacon window) is refused
        try (Memory mem = Memory.builder().model(FullKvMemoryModel.load(plain, 0, StorageType.FLOAT32)).build()) {
            StateException e = assertThrows(StateException.class, () -> mem.load(save));
            assertTrue(e.getMessage().contains("kind: beacon vs full-kv"), e.getMessage());
        }
        // a truncated memory file
        try (RandomAccessFile f = new RandomAccessFile(save.resolve(MemoryStateFile.FILE_NAME).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        try (Memory mem = Memory.builder().model(BeaconMemoryModel.load(beacon, null, 0, StorageType.FLOAT32))
                .build()) {
            CorruptDataException e = assertThrows(CorruptDataException.class, () -> mem.load(save));
            assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(MemoryStateFile.FILE_NAME),
                    e.getMessage());
        }
    }

    @Test
    void fullKvMemoryRejectsTextsBeyondItsPositions() {
        try (MemoryModel m = FullKvMemoryModel.load(plain, 0, StorageType.FLOAT16)) {
            m.memorize(TEXT, Prompts.forLanguage(Language.EN), ProgressListener.NONE);
            assertEquals(1.0, m.stats().compressionRatio(), 1e-9);
            m.saveState(dir);
            m.loadState(dir);
            assertTrue(m.hasMemory());
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> m.memorize("x".repeat(5000), Prompts.forLanguage(Language.EN), ProgressListener.NONE));
            assertTrue(e.getMessage().contains("limit of 4096"), e.getMessage());
        }
    }
}

package dev.memorag.memory;

import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.TokenUsage;
import dev.memorag.memory.beacon.BeaconCheckpoint;
import dev.memorag.memory.beacon.BeaconMemoryModel;
import dev.memorag.memory.beacon.FullKvMemoryModel;
import dev.memorag.memory.lite.GistMemoryModel;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.memory.state.StorageType;
import dev.memorag.testing.GeneratorContract;
import dev.memorag.testing.MemoryModelContract;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** This module's memory models and generator keep core's contracts (tiny random checkpoints, byte-level tokens). */
class ContractsTest {
    @TempDir
    static Path models;

    static Path plain;
    static Path beacon;

    @BeforeAll
    static void makeModels() {
        plain = models.resolve("plain");
        RandomCheckpoint.write(plain, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 3);
        beacon = models.resolve("beacon");
        RandomCheckpoint.write(beacon, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 3);
        BeaconCheckpoint.addBeacon(beacon, 4, 32, 5);
    }

    @Nested
    class Beacon extends MemoryModelContract {
        @Override
        protected MemoryModel newModel() {
            return BeaconMemoryModel.load(beacon, null, 0, StorageType.FLOAT32);
        }
    }

    @Nested
    class FullKv extends MemoryModelContract {
        @Override
        protected MemoryModel newModel() {
            return FullKvMemoryModel.load(plain, 0, StorageType.FLOAT32);
        }
    }

    @Nested
    class Gist extends MemoryModelContract {
        /** Answers with a digest of the conversation, so equal conversations get equal answers. */
        private final Generator chat = (messages, options, listener) -> {
            String text = "seen " + messages.size() + " turns, " + messages.get(messages.size() - 1).content()
                    .length() + " chars";
            listener.onText(text);
            return new GenerationResult(text, FinishReason.STOP, new TokenUsage(1, 1));
        };

        @Override
        protected MemoryModel newModel() {
            return GistMemoryModel.builder().generator(chat).build();
        }
    }

    @Nested
    class Local extends GeneratorContract {
        @Override
        protected Generator newGenerator() {
            return LocalGenerator.builder().modelDirectory(plain).build();
        }
    }
}

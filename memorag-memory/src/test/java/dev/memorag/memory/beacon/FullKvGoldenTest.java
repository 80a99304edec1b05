package dev.memorag.memory.beacon;

import static dev.memorag.memory.beacon.BeaconGoldenTest.assertClose;
import static dev.memorag.memory.beacon.BeaconGoldenTest.floats;
import static dev.memorag.memory.beacon.BeaconGoldenTest.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.memory.state.MemoryStateFile;
import dev.memorag.memory.state.StorageType;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The uncompressed (full KV cache) mode against the plain qwen2 golden: chunked prefill, then greedy decoding. */
class FullKvGoldenTest {
    static final Path DIR = TestData.path("golden/qwen2");

    @TempDir
    Path tmp;

    @Test
    void chunkedMemoryThenGenerationMatchesHfGenerate() throws IOException {
        JsonNode g = new ObjectMapper().readTree(DIR.resolve("golden.json").toFile());
        int[] ids = ints(g.get("input_ids"));
        try (BeaconTransformer m = BeaconTransformer.loadFullKv(DIR, 16)) {
            m.feed(Arrays.copyOf(ids, 30), false);
            m.snapshot();
            assertArrayEquals(new int[] {0, 0, 30}, m.memorySizes());
            float[][] first = new float[1][];
            int[] tokens = m.generateGreedy(Arrays.copyOfRange(ids, 30, 40), 12, first);
            assertArrayEquals(ints(g.at("/generate/new_tokens")), tokens);
            assertClose(floats(g.at("/generate/step_logits/0")), first[0], 1e-4, 1e-4, "first step logits");

            Path file = tmp.resolve(MemoryStateFile.FILE_NAME);
            MemoryStateFile.write(file, m.exportSnapshot(), StorageType.FLOAT32);
            try (BeaconTransformer fresh = BeaconTransformer.loadFullKv(DIR, 16)) {
                fresh.importState(MemoryStateFile.read(file, fresh.fingerprint()));
                fresh.restoreSnapshot();
                assertArrayEquals(tokens, fresh.generateGreedy(Arrays.copyOfRange(ids, 30, 40), 12, null));
            }
            // a beacon memory cannot be loaded into a full-KV model
            try (BeaconTransformer beacon = BeaconTransformer.load(TestData.path("golden/memorag-beacon-qwen2"),
                    (Integer) null)) {
                StateException e = assertThrows(StateException.class,
                        () -> beacon.importState(MemoryStateFile.read(file, null)));
                assertTrue(e.getMessage().contains("kind: full-kv vs beacon"), e.getMessage());
            }
        }
    }

    @Test
    void contextLongerThanPositionsIsRejected() {
        try (BeaconTransformer m = BeaconTransformer.loadFullKv(DIR, 512)) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> m.feed(new int[4097], false));
            assertTrue(e.getMessage().contains("4097") && e.getMessage().contains("max_position_embeddings 4096"),
                    e.getMessage());
        }
    }
}

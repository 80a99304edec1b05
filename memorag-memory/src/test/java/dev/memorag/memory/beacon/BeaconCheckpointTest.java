package dev.memorag.memory.beacon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeaconCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void plainCheckpointBecomesABeaconModelWithOverridableRatio() throws IOException {
        Path src = TestData.path("golden/qwen2");
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        assertTrue(!BeaconConfig.isBeaconModel(dir));
        BeaconCheckpoint.addBeacon(dir, 4, 16, 7);
        assertTrue(BeaconConfig.isBeaconModel(dir));
        int[] ids = new Random(1).ints(100, 3, 512).toArray();
        try (BeaconTransformer m = BeaconTransformer.load(dir, (Integer) null)) {
            assertEquals(List.of(4), m.config().ratios());
            m.feed(ids, false);
            assertArrayEquals(new int[] {0, 24, 5}, m.memorySizes());
        }
        // MemoRAG's beacon_ratio load-time override
        try (BeaconTransformer m = BeaconTransformer.load(dir, 8)) {
            m.feed(ids, false);
            // 6 full windows x 2 beacons; tail of 4 raw tokens, no beacon yet
            assertArrayEquals(new int[] {0, 12, 4}, m.memorySizes());
        }
        assertThrows(InvalidInputException.class, () -> BeaconCheckpoint.addBeacon(dir, 32, 16, 7));
    }
}

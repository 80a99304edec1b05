package dev.memorag.memory.beacon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.memory.state.MemoryStateFile;
import dev.memorag.memory.state.StorageType;
import dev.memorag.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ratio-mix modes choose a ratio per window from a seeded source that is saved with the memory. */
class RatioMixTest {
    static final Path DIR = TestData.path("golden/memorag-beacon-qwen2");
    static final int[] IDS = new Random(3).ints(160, 3, 512).toArray();

    @TempDir
    Path tmp;

    static BeaconConfig mix(String mode, long seed) {
        BeaconConfig c = BeaconConfig.load(DIR);
        return new BeaconConfig(c.base(), 16, 16, List.of(2, 4, 8), mode, 0, c.beaconParams(), seed);
    }

    static List<Integer> beaconSizes(BeaconTransformer m, int[] ids) {
        List<Integer> sizes = new ArrayList<>();
        m.setStepListener(t -> sizes.add(t.beaconSize()));
        m.feed(ids, false);
        m.setStepListener(null);
        return sizes;
    }

    @Test
    void stepRandomIsSeededAndSurvivesSaveLoad() {
        List<Integer> all;
        try (BeaconTransformer m = BeaconTransformer.load(DIR, mix("step-random", 42))) {
            all = beaconSizes(m, IDS);
        }
        assertEquals(10, all.size());
        Set<Integer> distinct = new HashSet<>(all);
        assertTrue(Set.of(2, 4, 8).containsAll(distinct) && distinct.size() > 1, all.toString());
        try (BeaconTransformer m = BeaconTransformer.load(DIR, mix("step-random", 42))) {
            assertEquals(all, beaconSizes(m, IDS));
        }
        // first half, save, load into a fresh model, second half: the same choices as one pass
        Path file = tmp.resolve(MemoryStateFile.FILE_NAME);
        List<Integer> split;
        try (BeaconTransformer m = BeaconTransformer.load(DIR, mix("step-random", 42))) {
            split = beaconSizes(m, Arrays.copyOf(IDS, 80));
            m.snapshot();
            MemoryStateFile.write(file, m.exportSnapshot(), StorageType.FLOAT32);
        }
        try (BeaconTransformer m = BeaconTransformer.load(DIR, mix("step-random", 42))) {
            m.importState(MemoryStateFile.read(file, m.fingerprint()));
            m.restoreSnapshot();
            split.addAll(beaconSizes(m, Arrays.copyOfRange(IDS, 80, 160)));
        }
        assertEquals(all, split);
    }

    @Test
    void instanceRandomKeepsOneRatioAndSequenceCycles() {
        try (BeaconTransformer m = BeaconTransformer.load(DIR, mix("instance-random", 7))) {
            assertEquals(1, new HashSet<>(beaconSizes(m, IDS)).size());
        }
        try (BeaconTransformer m = BeaconTransformer.load(DIR, mix("sequence", 7))) {
            assertEquals(List.of(8, 4, 2, 8, 4, 2, 8, 4, 2, 8), beaconSizes(m, IDS));
        }
    }
}

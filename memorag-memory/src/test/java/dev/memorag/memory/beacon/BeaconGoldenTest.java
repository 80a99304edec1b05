package dev.memorag.memory.beacon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.memory.state.KvTensor;
import dev.memorag.memory.state.LayerKv;
import dev.memorag.memory.state.MemoryState;
import dev.memorag.memory.state.MemoryStateFile;
import dev.memorag.memory.state.StorageType;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memorag-beacon-qwen2 golden: MemoRAG's own Activation-Beacon code on a tiny random Qwen2. */
class BeaconGoldenTest {
    static final Path DIR = TestData.path("golden/memorag-beacon-qwen2");
    static JsonNode golden;
    static BeaconTransformer model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() throws IOException {
        golden = new ObjectMapper().readTree(DIR.resolve("golden.json").toFile());
        model = BeaconTransformer.load(DIR, (Integer) null);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    static float[] floats(JsonNode n) {
        List<Float> out = new ArrayList<>();
        flatten(n, out);
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }

    private static void flatten(JsonNode n, List<Float> out) {
        if (n.isArray()) {
            n.forEach(c -> flatten(c, out));
        } else {
            out.add(Float.parseFloat(n.asText()));
        }
    }

    static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            assertTrue(diff <= atol + rtol * Math.abs(expected[i]),
                    what + "[" + i + "]: expected " + expected[i] + " got " + actual[i]);
            worst = Math.max(worst, diff);
        }
    }

    private List<StepTrace> memorize(BeaconTransformer m, float[][][] logitsOut) {
        List<StepTrace> steps = new ArrayList<>();
        m.setStepListener(steps::add);
        m.reset();
        logitsOut[0] = m.feed(ints(golden.at("/context_ids")), true);
        m.setStepListener(null);
        m.snapshot();
        return steps;
    }

    @Test
    void memorizeMatchesStepsSizesLogitsAndPreRopeKv() {
        float[][][] logits = new float[1][][];
        List<StepTrace> steps = memorize(model, logits);
        JsonNode gsteps = golden.at("/memorize/steps");
        assertEquals(gsteps.size(), steps.size());
        for (int i = 0; i < steps.size(); i++) {
            JsonNode g = gsteps.get(i);
            StepTrace s = steps.get(i);
            assertArrayEquals(ints(g.get("input_ids_with_beacons")), s.idsWithBeacons(), "step " + i);
            assertEquals(g.get("mem_size_before").asInt(), s.memoryBefore(), "step " + i);
            assertEquals(g.get("beacon_size").asInt(), s.beaconSize(), "step " + i);
            assertEquals(g.at("/memory_size_after_update/beacon").asInt(), s.beaconAfter(), "step " + i);
            assertEquals(g.at("/memory_size_after_update/raw").asInt(), s.rawAfter(), "step " + i);
        }
        assertArrayEquals(new int[] {0, 24, 5}, model.memorySizes());
        float[] expected = floats(golden.at("/memorize/returned_logits"));
        float[] actual = new float[expected.length];
        for (int i = 0; i < logits[0].length; i++) {
            System.arraycopy(logits[0][i], 0, actual, i * 512, 512);
        }
        assertClose(expected, actual, 1e-4, 1e-4, "returned_logits");

        MemoryState st = model.exportState();
        assertEquals(96, st.cursors().startIdx());
        assertEquals(100, st.cursors().endIdx());
        assertEquals(7, st.cursors().stepIdx());
        assertEquals(0, st.cursors().interleaveRemainder());
        assertArrayEquals(ints(golden.at("/memorize/memory_after/beacon_indices_of_open_window")),
                st.cursors().openWindowBeaconIndices());
        JsonNode kv = golden.at("/memorize/kv_after_memorize");
        for (int l = 0; l < 2; l++) {
            LayerKv layer = st.layers().get(l);
            assertClose(floats(kv.at("/layer" + l + "_beacon_key/values")), layer.beaconKey().data(), 1e-4, 0,
                    "layer" + l + " beacon key");
            assertClose(floats(kv.at("/layer" + l + "_beacon_value/values")), layer.beaconValue().data(), 1e-4, 0,
                    "layer" + l + " beacon value");
            assertClose(floats(kv.at("/layer" + l + "_raw_key/values")), layer.rawKey().data(), 1e-4, 0,
                    "layer" + l + " raw key");
            assertClose(floats(kv.at("/layer" + l + "_raw_value/values")), layer.rawValue().data(), 1e-4, 0,
                    "layer" + l + " raw value");
        }
    }

    @Test
    void smallAttentionBlocksGiveTheSameMemory() {
        // blocks of 1-3 query rows: each block sees only its visible keys and masks its own square
        try (BeaconTransformer m = BeaconTransformer.load(DIR, (Integer) null)) {
            m.setScoreBlock(3L * m.config().heads() * 40);
            float[][][] logits = new float[1][][];
            memorize(m, logits);
            float[] expected = floats(golden.at("/memorize/returned_logits"));
            float[] actual = new float[expected.length];
            for (int i = 0; i < logits[0].length; i++) {
                System.arraycopy(logits[0][i], 0, actual, i * 512, 512);
            }
            assertClose(expected, actual, 1e-4, 1e-4, "returned_logits");
            JsonNode kv = golden.at("/memorize/kv_after_memorize");
            MemoryState st = m.exportState();
            for (int l = 0; l < 2; l++) {
                assertClose(floats(kv.at("/layer" + l + "_beacon_key/values")), st.layers().get(l).beaconKey().data(),
                        1e-4, 0, "layer" + l + " beacon key");
                assertClose(floats(kv.at("/layer" + l + "_raw_value/values")), st.layers().get(l).rawValue().data(),
                        1e-4, 0, "layer" + l + " raw value");
            }
            assertGeneration(m);
        }
    }

    private void assertGeneration(BeaconTransformer m) {
        List<StepTrace> steps = new ArrayList<>();
        m.setStepListener(steps::add);
        float[][] first = new float[1][];
        int[] tokens = m.generateGreedy(ints(golden.at("/query_ids")), 8, first);
        m.setStepListener(null);
        assertArrayEquals(ints(golden.at("/generate/new_tokens")), tokens);
        assertClose(floats(golden.at("/generate/first_step_logits")), first[0], 1e-4, 1e-4, "first_step_logits");
        assertArrayEquals(new int[] {0, 28, 6}, m.memorySizes());
        JsonNode gsteps = golden.at("/generate/steps");
        assertEquals(gsteps.size(), steps.size());
        for (int i = 0; i < steps.size(); i++) {
            assertArrayEquals(ints(gsteps.get(i).get("input_ids_with_beacons")), steps.get(i).idsWithBeacons(),
                    "generate step " + i);
            assertEquals(gsteps.get(i).get("mem_size_before").asInt(), steps.get(i).memoryBefore());
        }
    }

    @Test
    void generationAfterSnapshotRestoreMatchesAndRepeats() {
        memorize(model, new float[1][][]);
        model.restoreSnapshot();
        assertGeneration(model);
        // the snapshot is untouched by the instruction: a second run gives the same result
        model.restoreSnapshot();
        assertArrayEquals(new int[] {0, 24, 5}, model.memorySizes());
        assertGeneration(model);
    }

    @Test
    void saveLoadGenerateMatches() {
        memorize(model, new float[1][][]);
        Path file = tmp.resolve(MemoryStateFile.FILE_NAME);
        MemoryStateFile.write(file, model.exportSnapshot(), StorageType.FLOAT32);
        try (BeaconTransformer fresh = BeaconTransformer.load(DIR, (Integer) null)) {
            fresh.importState(MemoryStateFile.read(file, fresh.fingerprint()));
            assertArrayEquals(new int[] {0, 24, 5}, fresh.memorySizes());
            fresh.restoreSnapshot();
            assertGeneration(fresh);
        }
    }

    @Test
    void beaconProjectionsAreReallyUsed() {
        BeaconConfig base = BeaconConfig.load(DIR);
        BeaconConfig noBeaconQkv = base.withBeaconParams(Set.of());
        try (BeaconTransformer m = BeaconTransformer.load(DIR, noBeaconQkv)) {
            m.feed(ints(golden.at("/context_ids")), false);
            float[][] first = new float[1][];
            int[] tokens = m.generateGreedy(ints(golden.at("/query_ids")), 8, first);
            float[] expected = floats(golden.at("/generate/first_step_logits"));
            double maxDiff = 0;
            for (int i = 0; i < expected.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[i] - first[0][i]));
            }
            assertTrue(maxDiff > 1.0, "base q/k/v should change the logits, max diff " + maxDiff);
            assertFalse(java.util.Arrays.equals(ints(golden.at("/generate/new_tokens")), tokens));
            assertArrayEquals(ints(golden.at("/checks/beacon_qkv_replaced_by_base_new_tokens")), tokens);
        }
    }

    @Test
    void kvTensorsHaveGoldenShape() {
        memorize(model, new float[1][][]);
        KvTensor k = model.exportSnapshot().layers().get(1).beaconKey();
        assertEquals(2, k.heads());
        assertEquals(24, k.length());
        assertEquals(16, k.headDim());
    }

    @Test
    void repeatedInstructionsAndMemorisingLeakNoNativeArrays() {
        memorize(model, new float[1][][]);
        model.restoreSnapshot();
        model.generateGreedy(ints(golden.at("/query_ids")), 8, null);
        int live = model.liveArrays();
        for (int i = 0; i < 10; i++) {
            model.restoreSnapshot();
            model.generateGreedy(ints(golden.at("/query_ids")), 8, null);
        }
        assertEquals(live, model.liveArrays());
        memorize(model, new float[1][][]);
        model.restoreSnapshot();
        model.generateGreedy(ints(golden.at("/query_ids")), 8, null);
        assertEquals(live, model.liveArrays());
    }
}

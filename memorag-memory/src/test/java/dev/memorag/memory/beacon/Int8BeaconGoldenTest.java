package dev.memorag.memory.beacon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.memory.lm.RuntimeOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The beacon golden under weight-only int8: the beacon state machine's memory sizes at every step (memorising and
 * generating) stay exactly the golden's, and the memory keeps working (generation after save-independent restore).
 */
class Int8BeaconGoldenTest {
    @Test
    void memorySizesStayExactUnderInt8() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(BeaconGoldenTest.DIR.resolve("golden.json").toFile());
        RuntimeOptions int8 = RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU)
                .withPrecision(RuntimeOptions.Precision.INT8);
        try (BeaconTransformer m = BeaconTransformer.load(BeaconGoldenTest.DIR, (Integer) null, int8)) {
            assertTrue(m.plan().int8());
            List<StepTrace> steps = new ArrayList<>();
            m.setStepListener(steps::add);
            m.feed(BeaconGoldenTest.ints(golden.at("/context_ids")), true);
            m.snapshot();
            JsonNode gsteps = golden.at("/memorize/steps");
            assertEquals(gsteps.size(), steps.size());
            for (int i = 0; i < steps.size(); i++) {
                JsonNode g = gsteps.get(i);
                StepTrace s = steps.get(i);
                assertArrayEquals(BeaconGoldenTest.ints(g.get("input_ids_with_beacons")), s.idsWithBeacons());
                assertEquals(g.get("mem_size_before").asInt(), s.memoryBefore(), "step " + i);
                assertEquals(g.get("beacon_size").asInt(), s.beaconSize(), "step " + i);
                assertEquals(g.at("/memory_size_after_update/beacon").asInt(), s.beaconAfter(), "step " + i);
                assertEquals(g.at("/memory_size_after_update/raw").asInt(), s.rawAfter(), "step " + i);
            }
            assertArrayEquals(new int[] {0, 24, 5}, m.memorySizes());
            for (int run = 0; run < 2; run++) {
                m.restoreSnapshot();
                m.generateGreedy(BeaconGoldenTest.ints(golden.at("/query_ids")), 8, null);
                assertArrayEquals(new int[] {0, 28, 6}, m.memorySizes());
            }
        }
    }
}

package dev.memorag.memory.beacon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.safetensors.DType;
import dev.memorag.safetensors.SafetensorsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hub-style random checkpoints (what {@code bench make-model --shape qwen2-7b} writes, at the tiny shape): bf16
 * shards with an index, beacon tensors streamed alongside, loadable as fp32 and int8 beacon models.
 */
class ShardedBeaconCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void bf16ShardsWithBeaconTensorsLoadAsFp32AndInt8() throws IOException {
        Path dir = tmp.resolve("m");
        long params = RandomCheckpoint.write(dir, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 9,
                new RandomCheckpoint.Layout(DType.BF16, 40_000, true));
        BeaconCheckpoint.configure(dir, 4, 32);
        long shards;
        try (Stream<Path> files = Files.list(dir)) {
            shards = files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
                    .count();
        }
        assertTrue(shards > 2, "shards: " + shards);
        JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
        index.get("weight_map").fields().forEachRemaining(e -> assertTrue(Files.isRegularFile(
                dir.resolve(e.getValue().asText())) && e.getValue().asText().endsWith("-of-"
                + String.format("%05d", shards) + ".safetensors"), e.toString()));
        try (SafetensorsReader r = SafetensorsReader.open(dir)) {
            assertEquals(DType.BF16, r.info("model.layers.1.self_attn.beacon_q_proj.weight").dtype());
            long total = 0;
            for (String n : r.names()) {
                total += r.info(n).elementCount();
            }
            assertEquals(params, total);
            // beacon projections are the base ones plus small noise
            float[] q = r.readFloats("model.layers.0.self_attn.q_proj.weight");
            float[] bq = r.readFloats("model.layers.0.self_attn.beacon_q_proj.weight");
            double diff = 0;
            for (int i = 0; i < q.length; i++) {
                diff = Math.max(diff, Math.abs(q[i] - bq[i]));
            }
            assertTrue(diff > 0 && diff < 0.2, "beacon q vs q: " + diff);
        }
        int[] ids = new java.util.Random(3).ints(100, 3, 256).toArray();
        int[][] sizes = new int[2][];
        RuntimeOptions cpu = RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU);
        RuntimeOptions[] options = {cpu, cpu.withPrecision(RuntimeOptions.Precision.INT8)};
        for (int i = 0; i < 2; i++) {
            try (BeaconTransformer m = BeaconTransformer.load(dir, (Integer) null, options[i])) {
                m.feed(ids, false);
                sizes[i] = m.memorySizes();
            }
        }
        // 100 tokens in windows of 32 at ratio 4: three compressed windows of 8 beacons; the open window holds the
        // last 4 tokens and a beacon
        assertArrayEquals(new int[] {0, 24, 5}, sizes[0]);
        assertArrayEquals(sizes[0], sizes[1]);
    }
}

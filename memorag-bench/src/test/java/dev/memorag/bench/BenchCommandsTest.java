package dev.memorag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code memorag bench make-model} with {@code bench llm} and {@code bench memory} on tiny shapes. */
class BenchCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void makeModelThenBenchOnTinyShape(@TempDir Path dir) throws Exception {
        CliRun made = CliRun.of("bench", "make-model", "--family", "llama", "--shape", "tiny", "--out", dir.toString(),
                "--seed", "5");
        assertEquals(0, made.code(), made.err());
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));
        CliRun bench = CliRun.of("bench", "llm", "--model", dir.toString(), "--prompt-tokens", "40", "--new-tokens",
                "4", "--device", "cpu", "--prefill-chunk", "16", "--json");
        assertEquals(0, bench.code(), bench.err());
        JsonNode b = JSON.readTree(bench.out());
        assertTrue(b.get("prefill_tokens_per_s").asDouble() > 0);
        assertTrue(b.get("decode_ms_per_token").asDouble() > 0);
        assertTrue(b.get("peak_rss_mb").asLong() > 0);
        assertEquals("llama", b.get("family").asText());
    }

    @Test
    void makeBeaconModelThenBenchMemory(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("tiny-beacon");
        CliRun r = CliRun.of("bench", "make-model", "--shape", "tiny", "--out", model.toString(), "--beacon-ratio", "4",
                "--beacon-window", "16");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(model.resolve("beacon.safetensors")));
        r = CliRun.of("bench", "memory", "--model", model.toString(), "--tokens", "200", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode out = JSON.readTree(r.out());
        // 12 full windows x 4 beacons + an 8-token tail with 2 beacons
        assertEquals(48 + 10, out.get("kv_entries_per_layer").asInt());
        assertEquals(58L * 2 * 2 * 2 * 16 * 4, out.get("kv_bytes").asLong());
        assertTrue(out.get("save_bytes").asLong() > out.get("kv_bytes").asLong());
        assertTrue(out.get("peak_rss_bytes").asLong() > 0);
        r = CliRun.of("bench", "memory", "--model", model.toString(), "--tokens", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--tokens must be > 0"), r.err());
    }
}

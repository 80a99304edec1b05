package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.memory.beacon.BeaconCheckpoint;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny beacon memory model with 1,024 positions (window 128, ratio 4; one token per byte), so its limits are
 * reached with a few kilobytes: answering with the memory as generator fits the evidence into the positions the memory
 * leaves (counted in the model's tokens, beacons included) and says it cut it; a text the memory cannot read fails
 * before any chunk is embedded, naming the limit and a ratio that fits, and that ratio then works.
 */
class MemoryLimitsCliTest {
    private static final RandomCheckpoint.Shape SMALL = new RandomCheckpoint.Shape("small", 2, 64, 128, 4, 2, 512,
            1024, true);

    @TempDir
    static Path dir;

    static Path beacon;
    static String book;

    @BeforeAll
    static void smallBeaconModel() {
        beacon = dir.resolve("beacon");
        RandomCheckpoint.write(beacon, ModelFamily.QWEN2, SMALL, 11);
        BeaconCheckpoint.addBeacon(beacon, 4, 128, 13);
        String all = DemoCommand.readBook();
        book = all.substring(all.indexOf("CHAPTER I. Down the Rabbit-Hole"));
    }

    @Test
    void theMemoryAsGeneratorGetsTheEvidenceThatFitsItsPositions() throws IOException {
        Path text = Files.writeString(dir.resolve("chapter.txt"), book.substring(0, 2_400), StandardCharsets.UTF_8);
        Path save = dir.resolve("chapter.memory");
        CliRun m = CliRun.withStdout("memorize", text.toString(), "--save", save.toString(), "--quiet",
                "--memory-model", beacon.toString(), "--chunk-tokens", "64");
        assertEquals(0, m.code(), m.err());
        CliRun r = CliRun.withStdout("ask", save.toString(), "What did the White Rabbit take out of its pocket?",
                "--quiet", "--json", "--max-tokens", "4", "--clue-tokens", "4");
        assertEquals(0, r.code(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertTrue(n.get("evidence_truncated").asBoolean(), r.out());
        assertTrue(n.get("warnings").get(0).asText().startsWith("evidence cut to fit generator beacon:beacon ("),
                r.out());
        assertFalse(n.get("answer").asText().isEmpty() && n.get("usage").get("completion_tokens").asInt() == 0,
                r.out());
    }

    @Test
    void aTextTooLongForTheMemoryFailsBeforeEmbeddingAndTheNamedRatioFits() throws IOException {
        Path text = Files.writeString(dir.resolve("long.txt"), book.substring(0, 5_000), StandardCharsets.UTF_8);
        Path save = dir.resolve("long.memory");
        CliRun r = CliRun.withStdout("memorize", text.toString(), "--save", save.toString(), "--memory-model",
                beacon.toString());
        assertEquals(1, r.code(), r.out());
        String error = r.err().strip();
        assertTrue(error.startsWith("error: the text is "), error);
        assertTrue(error.contains(" tokens with its prompt, more than memory model beacon:beacon can read: "), error);
        assertTrue(error.contains(" tokens (max_position_embeddings 1024, beacon window 128 at ratio 4, one window "
                + "kept free for questions); to fit it, read it at a higher compression ratio (--beacon-ratio 8), use "
                + "MemoRAG-Lite (--memory-model lite:CHAT_MODEL), or split the text into parts memorised into "
                + "separate saves"), error);
        assertFalse(error.contains("MemoRAGBuilder") || error.contains("MemoRAG.lite"), error);
        assertFalse(r.err().contains("embed:") || r.err().contains("chunk:"), "failed before any work: " + r.err());
        assertFalse(Files.exists(save));

        CliRun fits = CliRun.withStdout("memorize", text.toString(), "--save", save.toString(), "--quiet",
                "--memory-model", beacon.toString(), "--beacon-ratio", "8");
        assertEquals(0, fits.code(), fits.err());
    }
}

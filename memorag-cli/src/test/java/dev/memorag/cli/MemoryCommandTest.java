package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String ids(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return String.join(",", out);
    }

    @Test
    void traceReproducesTheBeaconGolden() throws Exception {
        Path model = TestData.path("golden/memorag-beacon-qwen2");
        JsonNode g = JSON.readTree(model.resolve("golden.json").toFile());
        CliRun r = CliRun.of("memory", "trace", "--model", model.toString(), "--context-ids", ids(g.get("context_ids")),
                "--query-ids", ids(g.get("query_ids")), "--max-new-tokens", "8", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode out = JSON.readTree(r.out());
        assertEquals(g.at("/generate/new_tokens"), out.get("new_tokens"));
        for (JsonNode l : out.at("/after_memorize/per_layer")) {
            assertEquals(List.of(0, 24, 5), List.of(l.get("sink").asInt(), l.get("beacon").asInt(),
                    l.get("raw").asInt()));
        }
        for (JsonNode l : out.at("/after_generate/per_layer")) {
            assertEquals(List.of(0, 28, 6), List.of(l.get("sink").asInt(), l.get("beacon").asInt(),
                    l.get("raw").asInt()));
        }
    }
}

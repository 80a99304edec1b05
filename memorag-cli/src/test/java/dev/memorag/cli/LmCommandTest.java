package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LmCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void lmReproducesTheGoldenGreedyTokens(String family) throws Exception {
        JsonNode g = JSON.readTree(TestData.path("golden/" + family + "/golden.json").toFile());
        List<String> ids = new ArrayList<>();
        g.get("input_ids").forEach(n -> ids.add(n.asText()));
        CliRun r = CliRun.of("lm", "--model", TestData.path("golden/" + family).toString(), "--ids",
                String.join(",", ids), "--max-new-tokens", "12", "--device", "cpu", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode out = JSON.readTree(r.out());
        assertEquals(g.at("/generate/new_tokens"), out.get("new_tokens"));
        JsonNode expected = g.at("/generate/step_logits").get(0);
        JsonNode got = out.get("first_step_logits");
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            double e = expected.get(i).asDouble();
            assertTrue(Math.abs(got.get(i).asDouble() - e) <= 1e-4 + 1e-4 * Math.abs(e), family + " logit " + i);
        }
    }

    @Test
    void lmReportsBadIdsAsOneLineErrors() {
        CliRun r = CliRun.of("lm", "--model", TestData.path("golden/qwen2").toString(), "--ids", "1,99999",
                "--device", "cpu");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("99999"), r.err());
        // with --json the error is a JSON object on stdout
        r = CliRun.of("lm", "--model", TestData.path("golden/qwen2").toString(), "--ids", "1,99999",
                "--device", "cpu", "--json");
        assertEquals(1, r.code());
        assertTrue(r.out().contains("\"error\"") && r.out().contains("99999"), r.out());
    }
}

package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.testing.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class LmCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static String[] run(String... args) {
        CommandLine cl = MemoragCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void lmReproducesTheGoldenGreedyTokens(String family) throws Exception {
        JsonNode g = JSON.readTree(TestData.path("golden/" + family + "/golden.json").toFile());
        List<String> ids = new ArrayList<>();
        g.get("input_ids").forEach(n -> ids.add(n.asText()));
        String[] r = run("lm", "--model", TestData.path("golden/" + family).toString(), "--ids",
                String.join(",", ids), "--max-new-tokens", "12", "--device", "cpu", "--json");
        assertEquals("0", r[0], r[2]);
        JsonNode out = JSON.readTree(r[1]);
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
        String[] r = run("lm", "--model", TestData.path("golden/qwen2").toString(), "--ids", "1,99999",
                "--device", "cpu", "--json");
        assertEquals("1", r[0]);
        assertTrue(r[2].startsWith("error: ") && r[2].contains("99999"), r[2]);
    }

    @Test
    void makeModelThenBenchOnTinyShape(@TempDir Path dir) throws Exception {
        String[] made = run("bench", "make-model", "--family", "llama", "--shape", "tiny", "--out", dir.toString(),
                "--seed", "5");
        assertEquals("0", made[0], made[2]);
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));
        String[] bench = run("bench", "llm", "--model", dir.toString(), "--prompt-tokens", "40", "--new-tokens",
                "4", "--device", "cpu", "--prefill-chunk", "16", "--json");
        assertEquals("0", bench[0], bench[2]);
        JsonNode b = JSON.readTree(bench[1]);
        assertTrue(b.get("prefill_tokens_per_s").asDouble() > 0);
        assertTrue(b.get("decode_ms_per_token").asDouble() > 0);
        assertTrue(b.get("peak_rss_mb").asLong() > 0);
        assertEquals("llama", b.get("family").asText());
    }
}

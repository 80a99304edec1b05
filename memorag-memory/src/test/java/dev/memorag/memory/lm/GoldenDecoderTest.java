package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decoder runtime against the Hugging Face goldens (qwen2, mistral, llama3). */
class GoldenDecoderTest {
    private static final Map<String, CausalLm> MODELS = new HashMap<>();
    private static final Map<String, JsonNode> GOLDENS = new HashMap<>();

    static synchronized CausalLm model(String family) {
        return MODELS.computeIfAbsent(family, f -> CausalLm.load(TestData.path("golden/" + f),
                RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU)));
    }

    static synchronized JsonNode golden(String family) {
        return GOLDENS.computeIfAbsent(family, f -> {
            try {
                return new ObjectMapper().readTree(TestData.path("golden/" + f + "/golden.json").toFile());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterAll
    static synchronized void closeAll() {
        MODELS.values().forEach(CausalLm::close);
        MODELS.clear();
    }

    static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    static void assertClose(JsonNode expected, float[] actual, double atol, double rtol, String what) {
        assertEquals(expected.size(), actual.length, what + " length");
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double e = expected.get(i).floatValue();
            double diff = Math.abs(actual[i] - e);
            double tol = atol + rtol * Math.abs(e);
            assertTrue(diff <= tol, what + "[" + i + "]: expected " + e + " got " + actual[i] + " diff " + diff);
            worst = Math.max(worst, diff);
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void fullLogitsAndHiddenStatesMatch(String family) {
        JsonNode g = golden(family);
        CausalLm.ForwardOutput out = model(family).forward(ints(g.get("input_ids")), true);
        JsonNode logits = g.at("/logits_full/values");
        for (int t = 0; t < logits.size(); t++) {
            assertClose(logits.get(t), out.logits()[t], 1e-4, 1e-4, family + " logits[" + t + "]");
        }
        JsonNode hs = g.at("/hidden_states/values");
        assertEquals(hs.size(), out.hiddenStates().length);
        for (int l = 0; l < hs.size(); l++) {
            for (int t = 0; t < hs.get(l).size(); t++) {
                assertClose(hs.get(l).get(t), out.hiddenStates()[l][t], 1e-4, 0, family + " hidden[" + l + "][" + t
                        + "]");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void greedyTokensAndStepLogitsMatch(String family) {
        JsonNode g = golden(family);
        int[] expected = ints(g.at("/generate/new_tokens"));
        try (CausalLm.Session s = model(family).newSession(1)) {
            float[] logits = s.prefill(new int[][] {ints(g.get("input_ids"))}, null, 1)[0][0];
            int[] got = new int[expected.length];
            for (int i = 0; i < expected.length; i++) {
                assertClose(g.at("/generate/step_logits").get(i), logits, 1e-4, 1e-4, family + " step " + i);
                got[i] = argmax(logits);
                logits = s.step(new int[] {got[i]})[0];
            }
            assertArrayEquals(expected, got, family + " greedy tokens");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void incrementalDecodingEqualsFullForward(String family) {
        JsonNode g = golden(family);
        int[] ids = ints(g.get("input_ids"));
        int prefill = g.at("/incremental/prefill_len").asInt();
        JsonNode full = g.at("/logits_full/values");
        try (CausalLm.Session s = model(family).newSession(1)) {
            float[] last = s.prefill(new int[][] {java.util.Arrays.copyOf(ids, prefill)}, null, 1)[0][0];
            assertClose(full.get(prefill - 1), last, 1e-4, 1e-4, family + " prefill last");
            for (int t = prefill; t < ids.length; t++) {
                last = s.step(new int[] {ids[t]})[0];
                assertClose(full.get(t), last, 1e-4, 1e-4, family + " incremental " + t);
            }
            assertClose(g.at("/incremental/last_logits"), last, 1e-4, 1e-4, family + " incremental last");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void leftPaddedBatchMatches(String family) {
        JsonNode b = golden(family).get("batch_left_padded");
        int[][] ids = {ints(b.get("input_ids").get(0)), ints(b.get("input_ids").get(1))};
        int[][] mask = {ints(b.get("attention_mask").get(0)), ints(b.get("attention_mask").get(1))};
        try (CausalLm.Session s = model(family).newSession(2)) {
            float[][][] last8 = s.prefill(ids, mask, 8);
            for (int r = 0; r < 2; r++) {
                for (int i = 0; i < 8; i++) {
                    assertClose(b.get("logits_last8").get(r).get(i), last8[r][i], 1e-4, 1e-4,
                            family + " batch row " + r + " pos " + i);
                }
            }
            int[][] expected = {ints(b.get("generate_new_tokens").get(0)), ints(b.get("generate_new_tokens").get(1))};
            int[] next = {argmax(last8[0][7]), argmax(last8[1][7])};
            int[][] got = new int[2][expected[0].length];
            for (int i = 0; i < expected[0].length; i++) {
                got[0][i] = next[0];
                got[1][i] = next[1];
                float[][] l = s.step(next);
                next = new int[] {argmax(l[0]), argmax(l[1])};
            }
            assertArrayEquals(expected[0], got[0], family + " batch row 0 tokens");
            assertArrayEquals(expected[1], got[1], family + " batch row 1 tokens");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void slicedPrefillEqualsSinglePrefill(String family) {
        JsonNode g = golden(family);
        Path dir = TestData.path("golden/" + family);
        try (CausalLm sliced = CausalLm.load(dir, RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU)
                .withPrefillChunk(7)); CausalLm.Session s = sliced.newSession(1)) {
            float[][][] out = s.prefill(new int[][] {ints(g.get("input_ids"))}, null, 12);
            JsonNode full = g.at("/logits_full/values");
            for (int i = 0; i < 12; i++) {
                assertClose(full.get(28 + i), out[0][i], 1e-4, 1e-4, family + " sliced pos " + (28 + i));
            }
        }
    }
}

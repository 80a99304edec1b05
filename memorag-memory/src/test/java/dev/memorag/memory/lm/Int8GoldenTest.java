package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memorag.testing.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The quality bound of weight-only int8 (all linear layers, embedding and LM head quantised at load) against the
 * float32 Hugging Face goldens: every logit of the full forward and of the 12 greedy steps within
 * {@value #RELATIVE_TOLERANCE} times the largest |golden logit| of the family, and the greedy token (teacher-forced:
 * each step is fed the golden token) equal to the golden one in at least {@value #MIN_TOKEN_MATCHES} of 12 steps.
 */
class Int8GoldenTest {
    /**
     * Worst observed (Q8_0, blocks of 32): 0.47 of max |logit| 10.0 (qwen2, 4.7%), 1.13 of 27.8 (mistral, 4.1%),
     * 1.03 of 27.9 (llama3, 3.7%). The tiny goldens are the hard case: hidden 64 gives two scale blocks per row and
     * random weights amplify errors through the layers.
     */
    static final double RELATIVE_TOLERANCE = 0.06;
    static final int MIN_TOKEN_MATCHES = 10;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void int8LogitsStayCloseAndGreedyTokensMatch(String family) {
        JsonNode g = GoldenDecoderTest.golden(family);
        try (CausalLm lm = CausalLm.load(TestData.path("golden/" + family), RuntimeOptions.DEFAULT
                .withDevice(RuntimeOptions.DeviceChoice.CPU).withPrecision(RuntimeOptions.Precision.INT8))) {
            assertTrue(lm.decoder().plan().int8());
            int[] input = GoldenDecoderTest.ints(g.get("input_ids"));
            CausalLm.ForwardOutput full = lm.forward(input, false);
            JsonNode logits = g.at("/logits_full/values");
            double worst = 0;
            double largest = 0;
            for (int t = 0; t < logits.size(); t++) {
                for (JsonNode v : logits.get(t)) {
                    largest = Math.max(largest, Math.abs(v.floatValue()));
                }
                worst = Math.max(worst, maxDiff(logits.get(t), full.logits()[t]));
            }
            int[] expected = GoldenDecoderTest.ints(g.at("/generate/new_tokens"));
            int matches = 0;
            try (CausalLm.Session s = lm.newSession(1)) {
                float[] step = s.prefill(new int[][] {input}, null, 1)[0][0];
                for (int i = 0; i < expected.length; i++) {
                    worst = Math.max(worst, maxDiff(g.at("/generate/step_logits").get(i), step));
                    matches += GoldenDecoderTest.argmax(step) == expected[i] ? 1 : 0;
                    step = s.step(new int[] {expected[i]})[0];
                }
            }
            assertEquals(12, expected.length);
            assertTrue(worst <= RELATIVE_TOLERANCE * largest, family + ": int8 logits differ by up to " + worst
                    + ", more than " + RELATIVE_TOLERANCE + " x the largest |logit| " + largest);
            assertTrue(matches >= MIN_TOKEN_MATCHES, family + ": int8 greedy tokens match " + matches + "/12");
        }
    }

    private static double maxDiff(JsonNode expected, float[] actual) {
        assertEquals(expected.size(), actual.length);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected.get(i).floatValue()));
        }
        return worst;
    }
}

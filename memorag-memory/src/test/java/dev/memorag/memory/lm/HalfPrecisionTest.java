package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memorag.testing.TestData;
import org.junit.jupiter.api.Test;

/** The float16 path (the GPU default) also runs on CPU: logits close to the float32 goldens, greedy tokens equal. */
class HalfPrecisionTest {

    @Test
    void float16LogitsStayCloseToTheGoldens() {
        JsonNode g = GoldenDecoderTest.golden("qwen2");
        int[] ids = GoldenDecoderTest.ints(g.get("input_ids"));
        try (CausalLm lm = CausalLm.load(TestData.path("golden/qwen2"), RuntimeOptions.DEFAULT
                .withDevice(RuntimeOptions.DeviceChoice.CPU).withPrecision(RuntimeOptions.Precision.FLOAT16))) {
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT16, lm.decoder().dtype());
            float[][] logits = lm.forward(ids, false).logits();
            JsonNode expected = g.at("/logits_full/values");
            double worst = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < logits[t].length; v++) {
                    worst = Math.max(worst, Math.abs(logits[t][v] - expected.get(t).get(v).floatValue()));
                }
            }
            assertTrue(worst < 0.1, "max |logit diff| " + worst);
            int[] tokens = lm.generate(ids, dev.memorag.api.GenerationOptions.greedy(4), java.util.Set.of(),
                    t -> false).tokens();
            int[] golden = GoldenDecoderTest.ints(g.at("/generate/new_tokens"));
            for (int i = 0; i < tokens.length; i++) {
                assertEquals(golden[i], tokens[i], "token " + i);
            }
        }
    }
}

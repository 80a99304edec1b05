package dev.memorag.memory.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.ModelException;
import dev.memorag.gguf.GgmlType;
import dev.memorag.gguf.GgufWriter;
import dev.memorag.memory.lm.CausalLm;
import dev.memorag.memory.lm.ModelConfig;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decoder runtime loading GGUF conversions of the tiny Hugging Face golden checkpoints must reproduce the
 * transformers logits: to 1e-4 (max absolute difference) from F32; from F16 and Q8_0 within a relative RMS error
 * (|diff|_2 / |logits|_2) that the rounding explains: F16 keeps 11 significant bits (relative weight error at most
 * 2^-11), Q8_0 rounds each weight to 1/254 of its block's largest magnitude, and the two-layer random model passes
 * those errors on (measured: F16 under 1e-3, Q8_0 2.5-3%).
 */
class GgufDecoderTest {
    private static final RuntimeOptions CPU = RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU);

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"mistral, llama, F32, 1e-4, 1", "qwen2, qwen2, F32, 1e-4, 1", "mistral, llama, F16, 1, 2e-3",
            "mistral, llama, Q8_0, 10, 5e-2", "qwen2, qwen2, Q8_0, 10, 5e-2"})
    void logitsMatchTheTransformersGolden(String family, String arch, GgmlType type, double maxAbs, double maxRel)
            throws IOException {
        Path gguf = GgufFromSafetensors.convert(TestData.path("golden/" + family), arch, type,
                dir.resolve(family + "-" + type + ".gguf"));
        JsonNode g = new ObjectMapper().readTree(TestData.path("golden/" + family + "/golden.json").toFile());
        int[] ids = new int[g.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = g.get("input_ids").get(i).asInt();
        }
        ModelConfig reference = ModelConfig.load(TestData.path("golden/" + family));
        try (CausalLm lm = CausalLm.load(gguf, CPU)) {
            ModelConfig c = lm.config();
            assertEquals(reference.hiddenSize(), c.hiddenSize());
            assertEquals(reference.numKvHeads(), c.numKvHeads());
            assertEquals(reference.headDim(), c.headDim());
            assertEquals(reference.tieWordEmbeddings(), c.tieWordEmbeddings());
            assertEquals(reference.qkvBias(), c.qkvBias());
            assertEquals(reference.rmsNormEps(), c.rmsNormEps(), 1e-9);
            float[][] logits = lm.forward(ids, false).logits();
            JsonNode expected = g.at("/logits_full/values");
            double worst = 0;
            double diff2 = 0;
            double norm2 = 0;
            for (int t = 0; t < logits.length; t++) {
                for (int v = 0; v < logits[t].length; v++) {
                    double e = expected.get(t).get(v).floatValue();
                    double d = logits[t][v] - e;
                    worst = Math.max(worst, Math.abs(d));
                    diff2 += d * d;
                    norm2 += e * e;
                }
            }
            double rel = Math.sqrt(diff2 / norm2);
            assertTrue(worst <= maxAbs, family + " " + type + ": max |logit diff| " + worst + " > " + maxAbs);
            assertTrue(rel <= maxRel, family + " " + type + ": relative RMS error " + rel + " > " + maxRel);
        }
    }

    @Test
    void greedyTokensFromF32MatchTheGolden() throws IOException {
        Path gguf = GgufFromSafetensors.convert(TestData.path("golden/mistral"), "llama", GgmlType.F32,
                dir.resolve("m.gguf"));
        JsonNode g = new ObjectMapper().readTree(TestData.path("golden/mistral/golden.json").toFile());
        int[] ids = ints(g.get("input_ids"));
        int[] expected = ints(g.at("/generate/new_tokens"));
        try (CausalLm lm = CausalLm.load(gguf, CPU); CausalLm.Session s = lm.newSession(1)) {
            float[] logits = s.prefill(new int[][] {ids}, null, 1)[0][0];
            int[] got = new int[expected.length];
            for (int i = 0; i < expected.length; i++) {
                got[i] = argmax(logits);
                logits = s.step(new int[] {got[i]})[0];
            }
            assertArrayEquals(expected, got);
        }
    }

    @Test
    void shapeDisagreeingWithMetadataIsNamed() throws IOException {
        Path gguf = GgufFromSafetensors.convert(TestData.path("golden/qwen2"), "qwen2", GgmlType.F32,
                dir.resolve("q.gguf"));
        // Same tensors, but metadata claiming a wider MLP than ffn_gate has.
        Path bad = dir.resolve("bad.gguf");
        try (var f = dev.memorag.gguf.GgufFile.open(gguf)) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach((k, v) -> {
                if (k.equals("qwen2.feed_forward_length")) {
                    w.putU32(k, 256);
                } else if (v instanceof String s) {
                    w.putString(k, s);
                } else if (v instanceof Long l) {
                    w.putU32(k, l);
                } else if (v instanceof Double d) {
                    w.putF32(k, d.floatValue());
                }
            });
            for (var t : f.tensors().values()) {
                byte[] raw = new byte[(int) t.bytes()];
                f.raw(t.name()).get(raw);
                w.tensor(t.name(), t.type(), t.dims(), raw);
            }
            w.write(bad);
        }
        ModelException e = org.junit.jupiter.api.Assertions.assertThrows(ModelException.class,
                () -> CausalLm.load(bad, CPU));
        assertTrue(e.getMessage().contains("mlp.gate_proj.weight") && e.getMessage().contains("[128, 64]"),
                e.getMessage());
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}

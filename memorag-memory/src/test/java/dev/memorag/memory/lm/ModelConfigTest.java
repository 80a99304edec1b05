package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.ModelException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void parsesTheGoldenConfigs() {
        ModelConfig q = ModelConfig.load(TestData.path("golden/qwen2"));
        assertEquals(ModelFamily.QWEN2, q.family());
        assertTrue(q.qkvBias());
        assertTrue(q.tieWordEmbeddings());
        assertEquals(16, q.headDim());
        assertEquals(2, q.groups());
        assertEquals(java.util.List.of(2), q.eosTokenIds());
        assertFalse(q.isBeaconModel());
        ModelConfig l = ModelConfig.load(TestData.path("golden/llama3"));
        assertEquals(RopeScaling.Type.LLAMA3, l.ropeScaling().type());
        assertFalse(l.qkvBias());
        assertTrue(ModelConfig.load(TestData.path("golden/memorag-beacon-qwen2")).isBeaconModel());
        assertEquals(4, ModelConfig.load(TestData.path("golden/memorag-beacon-qwen2")).raw().get("beacon_ratio")
                .get(0).asInt());
    }

    @Test
    void llama3InverseFrequenciesMatchTheReference() {
        ModelConfig l = ModelConfig.load(TestData.path("golden/llama3"));
        float[] f = l.ropeScaling().inverseFrequencies(16, l.ropeTheta());
        float[] expected = {1f, 0.079403f, 0.00470075f, 9.11583e-4f, 1.76777e-4f, 3.4281e-5f, 6.64787e-6f,
            1.28917e-6f};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], f[i], expected[i] * 1e-5, "inv_freq[" + i + "]");
        }
    }

    @Test
    void yarnKeepsHighFrequenciesAndScalesLowOnes() {
        ObjectNode rs = JSON.createObjectNode().put("type", "yarn").put("factor", 4.0)
                .put("original_max_position_embeddings", 32768);
        RopeScaling y = RopeScaling.parse(rs, 131072, "test");
        float[] base = RopeScaling.NONE.inverseFrequencies(128, 1e6);
        float[] f = y.inverseFrequencies(128, 1e6);
        assertEquals(base[0], f[0], 0f);
        assertEquals(base[63] / 4, f[63], base[63] * 1e-6);
        assertEquals(0.1 * Math.log(4) + 1, y.attentionScaling(), 1e-6);
    }

    @Test
    void missingFieldIsNamed(@TempDir Path dir) throws Exception {
        ObjectNode cfg = (ObjectNode) JSON.readTree(TestData.path("golden/mistral/config.json").toFile());
        cfg.remove("num_hidden_layers");
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        ModelException e = assertThrows(ModelException.class, () -> ModelConfig.load(dir));
        assertTrue(e.getMessage().contains("num_hidden_layers") && e.getMessage().contains("config.json"),
                e.getMessage());
    }

    @Test
    void unsupportedFamilyIsNamed(@TempDir Path dir) throws Exception {
        ObjectNode cfg = (ObjectNode) JSON.readTree(TestData.path("golden/mistral/config.json").toFile());
        cfg.put("model_type", "gpt_neox");
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        UnsupportedFormatException e = assertThrows(UnsupportedFormatException.class, () -> ModelConfig.load(dir));
        assertTrue(e.getMessage().contains("gpt_neox"), e.getMessage());
    }
}

package dev.memorag.retrieval.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.ModelException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class EncoderGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert", "xlm-roberta"})
    void matchesTransformersGolden(String family) throws Exception {
        Path dir = TestData.path("golden/" + family);
        JsonNode g = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
        EncoderConfig config = EncoderConfig.read(dir.resolve("config.json"));
        assertEquals(family, config.family());
        int batch = g.get("input_ids").size();
        int seq = g.get("input_ids").get(0).size();
        long[] ids = new long[batch * seq];
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                ids[b * seq + t] = g.get("input_ids").get(b).get(t).asLong();
                lengths[b] += g.get("attention_mask").get(b).get(t).asInt();
            }
        }
        int h = config.hiddenSize();
        try (TransformerEncoder enc = new TransformerEncoder(dir, config, Device.cpu())) {
            float[] hidden = enc.forward(ids, batch, seq, lengths);
            double maxHidden = 0;
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < lengths[b]; t++) {
                    for (int d = 0; d < h; d++) {
                        double want = g.get("last_hidden_state").get(b).get(t).get(d).asDouble();
                        maxHidden = Math.max(maxHidden, Math.abs(hidden[(b * seq + t) * h + d] - want));
                    }
                }
                float[] cls = Pooling.CLS.pool(hidden, b, seq, h, lengths[b]);
                float[] mean = Pooling.MEAN.pool(hidden, b, seq, h, lengths[b]);
                for (int d = 0; d < h; d++) {
                    assertEquals(g.get("cls_l2_normalized").get(b).get(d).asDouble(), cls[d], 1e-5,
                            family + " cls row " + b + " dim " + d);
                    assertEquals(g.get("mean_pooled_l2_normalized").get(b).get(d).asDouble(), mean[d], 1e-5,
                            family + " mean row " + b + " dim " + d);
                }
            }
            assertTrue(maxHidden < 1e-4, family + " last_hidden_state max |diff| " + maxHidden);
        }
    }

    @Test
    void paddingDoesNotChangeRealRows() {
        Path dir = TestData.path("golden/xlm-roberta");
        EncoderConfig config = EncoderConfig.read(dir.resolve("config.json"));
        try (TransformerEncoder enc = new TransformerEncoder(dir, config, Device.cpu())) {
            long[] alone = {0, 139, 307, 2};
            long[] padded = {0, 139, 307, 2, 1, 1};
            float[] a = enc.forward(alone, 1, 4, new int[] {4});
            float[] p = enc.forward(padded, 1, 6, new int[] {4});
            for (int i = 0; i < 4 * config.hiddenSize(); i++) {
                assertEquals(a[i], p[i], 1e-5, "index " + i);
            }
        }
    }

    @Test
    void outOfVocabularyIdIsRejected() {
        Path dir = TestData.path("golden/bert");
        EncoderConfig config = EncoderConfig.read(dir.resolve("config.json"));
        try (TransformerEncoder enc = new TransformerEncoder(dir, config, Device.cpu())) {
            var e = assertThrows(ModelException.class, () -> enc.forward(new long[] {101, 9999}, 1, 2, new int[] {2}));
            assertTrue(e.getMessage().contains("9999"), e.getMessage());
        }
    }

    @Test
    void unsupportedModelTypeNamesField(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\":\"gpt2\"}");
        var e = assertThrows(UnsupportedFormatException.class, () -> EncoderConfig.read(tmp.resolve("config.json")));
        assertTrue(e.getMessage().contains("model_type") && e.getMessage().contains("gpt2"), e.getMessage());
    }
}

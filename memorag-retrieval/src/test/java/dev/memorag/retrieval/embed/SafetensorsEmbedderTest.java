package dev.memorag.retrieval.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import dev.memorag.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsEmbedderTest {
    /** A word-level tokenizer.json over a few ids of the tiny golden BERT vocabulary. */
    static final String TOKENIZER = """
            {"version":"1.0","truncation":null,"padding":null,
             "added_tokens":[
              {"id":100,"content":"[UNK]","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
              {"id":101,"content":"[CLS]","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
              {"id":102,"content":"[SEP]","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
             "normalizer":{"type":"Lowercase"},
             "pre_tokenizer":{"type":"Whitespace"},
             "post_processor":{"type":"TemplateProcessing",
              "single":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":0}},
                        {"SpecialToken":{"id":"[SEP]","type_id":0}}],
              "pair":[{"Sequence":{"id":"A","type_id":0}},{"Sequence":{"id":"B","type_id":1}}],
              "special_tokens":{"[CLS]":{"id":"[CLS]","ids":[101],"tokens":["[CLS]"]},
                                "[SEP]":{"id":"[SEP]","ids":[102],"tokens":["[SEP]"]}}},
             "decoder":null,
             "model":{"type":"WordLevel","unk_token":"[UNK]",
              "vocab":{"[UNK]":100,"[CLS]":101,"[SEP]":102,"hello":139,"world":307,"cat":399,"dog":442,"runs":140}}}
            """;

    static Path checkpoint(Path tmp) throws Exception {
        Path src = TestData.path("golden/bert");
        Path dir = tmp.resolve("tiny-bert");
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("tokenizer.json"), TOKENIZER);
        return dir;
    }

    @Test
    void providerLoadsCheckpointAndMatchesEncoder(@TempDir Path tmp) throws Exception {
        Path dir = checkpoint(tmp);
        try (Embedder e = Providers.embedder(dir.toString(), ProviderOptions.EMPTY)) {
            assertInstanceOf(SafetensorsEmbedder.class, e);
            assertEquals(64, e.dimension());
            assertEquals("tiny-bert", e.id());
            float[][] v = e.embed(List.of("hello world", "Cat dog runs hello world cat", "dog"), EmbedPurpose.PASSAGE);
            EncoderConfig config = EncoderConfig.read(dir.resolve("config.json"));
            try (TransformerEncoder enc = new TransformerEncoder(dir, config, Device.cpu())) {
                long[][] ids = {{101, 139, 307, 102}, {101, 399, 442, 140, 139, 307, 399, 102}, {101, 442, 102}};
                for (int i = 0; i < ids.length; i++) {
                    float[] h = enc.forward(ids[i], 1, ids[i].length, new int[] {ids[i].length});
                    float[] want = Pooling.CLS.pool(h, 0, ids[i].length, 64, ids[i].length);
                    for (int d = 0; d < 64; d++) {
                        assertEquals(want[d], v[i][d], 1e-5, "text " + i + " dim " + d);
                    }
                }
            }
        }
    }

    @Test
    void fp16EncoderStaysCloseToFp32AndInt8MeansFp32(@TempDir Path tmp) throws Exception {
        Path dir = checkpoint(tmp);
        List<String> texts = List.of("hello world", "Cat dog runs hello world cat");
        float[][] f32;
        float[][] f16;
        try (Embedder e = Providers.embedder(dir.toString(), ProviderOptions.EMPTY.with(ProviderOptions.DEVICE, "cpu"))) {
            f32 = e.embed(texts, EmbedPurpose.PASSAGE);
        }
        try (Embedder e = Providers.embedder(dir.toString(), ProviderOptions.EMPTY.with(ProviderOptions.DTYPE, "fp16"))) {
            f16 = e.embed(texts, EmbedPurpose.PASSAGE);
        }
        for (int i = 0; i < texts.size(); i++) {
            for (int d = 0; d < 64; d++) {
                assertEquals(f32[i][d], f16[i][d], 2e-2, "text " + i + " dim " + d);
            }
        }
        assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, LocalEmbedderProvider.dtype("int8", Device.cpu()));
        assertEquals(ai.djl.ndarray.types.DataType.FLOAT16, LocalEmbedderProvider.dtype(null, Device.gpu()));
        assertThrows(InvalidInputException.class, () -> LocalEmbedderProvider.dtype("bf8", Device.cpu()));
        assertThrows(InvalidInputException.class, () -> LocalEmbedderProvider.device("tpu"));
    }

    @Test
    void missingTokenizerIsReported(@TempDir Path tmp) throws Exception {
        Path dir = checkpoint(tmp);
        Files.delete(dir.resolve("tokenizer.json"));
        var e = assertThrows(InvalidInputException.class, () -> SafetensorsEmbedder.builder(dir).build());
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }
}

package dev.memorag.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.UnsupportedFormatException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufCheckpointTest {
    @TempDir
    Path dir;

    /** Rows 0..n-1 of a [rows, cols] matrix hold the value row * 100 + col. */
    private static float[] labelled(int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = r * 100 + c;
            }
        }
        return v;
    }

    /** llama.cpp's interleaving, written independently of the reader: HF row j*half+i goes to 2i+j per head. */
    static float[] permute(float[] hf, int rows, int cols, int heads) {
        float[] out = new float[hf.length];
        int hd = rows / heads;
        int half = hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    System.arraycopy(hf, (h * hd + j * half + i) * cols, out, (h * hd + 2 * i + j) * cols, cols);
                }
            }
        }
        return out;
    }

    private Path tiny(String arch) {
        return tiny(arch, "gpt2");
    }

    private Path tiny(String arch, String tokenizerModel) {
        int hidden = 8;
        int heads = 2;
        int kvHeads = 1;
        int hd = 4;
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", arch)
                .putU32(arch + ".context_length", 128)
                .putU32(arch + ".embedding_length", hidden)
                .putU32(arch + ".block_count", 1)
                .putU32(arch + ".feed_forward_length", 16)
                .putU32(arch + ".attention.head_count", heads)
                .putU32(arch + ".attention.head_count_kv", kvHeads)
                .putF32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f)
                .putF32(arch + ".rope.freq_base", 100000f)
                .putString("tokenizer.ggml.model", tokenizerModel)
                .putString("tokenizer.ggml.pre", "smollm")
                .putStrings("tokenizer.ggml.tokens", List.of("<|endoftext|>", "a", "b", "ab", "Ġ", "<x>"))
                .putI32s("tokenizer.ggml.token_type", new int[] {3, 1, 1, 1, 1, 4})
                .putStrings("tokenizer.ggml.merges", List.of("a b"))
                .putU32("tokenizer.ggml.bos_token_id", 0)
                .putU32("tokenizer.ggml.eos_token_id", 0)
                .putString("tokenizer.chat_template", "{{ messages[0]['content'] }}");
        w.f32("token_embd.weight", new long[] {6, hidden}, new float[6 * hidden]);
        w.f32("output_norm.weight", new long[] {hidden}, new float[hidden]);
        w.f32("blk.0.attn_norm.weight", new long[] {hidden}, new float[hidden]);
        float[] q = labelled(heads * hd, hidden);
        float[] k = labelled(kvHeads * hd, hidden);
        boolean llama = arch.equals("llama");
        w.f32("blk.0.attn_q.weight", new long[] {heads * hd, hidden}, llama ? permute(q, heads * hd, hidden, heads) : q);
        w.f32("blk.0.attn_k.weight", new long[] {kvHeads * hd, hidden},
                llama ? permute(k, kvHeads * hd, hidden, kvHeads) : k);
        w.f32("blk.0.attn_v.weight", new long[] {kvHeads * hd, hidden}, labelled(kvHeads * hd, hidden));
        if (!llama) {
            w.f32("blk.0.attn_q.bias", new long[] {heads * hd}, new float[heads * hd]);
            w.f32("blk.0.attn_k.bias", new long[] {kvHeads * hd}, new float[kvHeads * hd]);
            w.f32("blk.0.attn_v.bias", new long[] {kvHeads * hd}, new float[kvHeads * hd]);
        }
        w.f32("blk.0.attn_output.weight", new long[] {hidden, heads * hd}, new float[hidden * heads * hd]);
        w.f32("blk.0.ffn_norm.weight", new long[] {hidden}, new float[hidden]);
        w.f32("blk.0.ffn_gate.weight", new long[] {16, hidden}, new float[16 * hidden]);
        w.f32("blk.0.ffn_up.weight", new long[] {16, hidden}, new float[16 * hidden]);
        w.f32("blk.0.ffn_down.weight", new long[] {hidden, 16}, new float[16 * hidden]);
        Path f = dir.resolve(arch + "-" + tokenizerModel + ".gguf");
        w.write(f);
        return f;
    }

    @Test
    void llamaMetadataBecomesHfConfig() {
        try (GgufCheckpoint c = GgufCheckpoint.open(tiny("llama"))) {
            ObjectNode cfg = c.config();
            assertEquals("llama", cfg.get("model_type").asText());
            assertEquals(8, cfg.get("hidden_size").asInt());
            assertEquals(16, cfg.get("intermediate_size").asInt());
            assertEquals(1, cfg.get("num_hidden_layers").asInt());
            assertEquals(2, cfg.get("num_attention_heads").asInt());
            assertEquals(1, cfg.get("num_key_value_heads").asInt());
            assertEquals(4, cfg.get("head_dim").asInt());
            assertEquals(6, cfg.get("vocab_size").asInt());
            assertEquals(128, cfg.get("max_position_embeddings").asInt());
            assertEquals(1e-5, cfg.get("rms_norm_eps").asDouble(), 1e-9);
            assertEquals(100000.0, cfg.get("rope_theta").asDouble());
            assertTrue(cfg.get("tie_word_embeddings").asBoolean());
            assertFalse(cfg.get("attention_bias").asBoolean());
            assertEquals(0, cfg.get("bos_token_id").asInt());
            assertEquals("[0]", cfg.get("eos_token_id").toString());
        }
    }

    @Test
    void tensorsGetHfNamesAndLlamaRowsAreUnpermuted() {
        try (GgufCheckpoint c = GgufCheckpoint.open(tiny("llama"))) {
            assertTrue(c.names().containsAll(List.of("model.embed_tokens.weight", "model.norm.weight",
                    "model.layers.0.input_layernorm.weight", "model.layers.0.self_attn.o_proj.weight",
                    "model.layers.0.post_attention_layernorm.weight", "model.layers.0.mlp.gate_proj.weight",
                    "model.layers.0.mlp.up_proj.weight", "model.layers.0.mlp.down_proj.weight")));
            assertArrayEquals(new long[] {8, 8}, c.shape("model.layers.0.self_attn.q_proj.weight"));
            assertArrayEquals(labelled(8, 8), c.readFloats("model.layers.0.self_attn.q_proj.weight"));
            assertArrayEquals(labelled(4, 8), c.readFloats("model.layers.0.self_attn.k_proj.weight"));
            assertArrayEquals(labelled(4, 8), c.readFloats("model.layers.0.self_attn.v_proj.weight"));
        }
    }

    @Test
    void qwen2RowsStayAsStoredAndBiasIsDetected() {
        try (GgufCheckpoint c = GgufCheckpoint.open(tiny("qwen2"))) {
            assertEquals("qwen2", c.config().get("model_type").asText());
            assertTrue(c.config().get("attention_bias").asBoolean());
            assertArrayEquals(labelled(8, 8), c.readFloats("model.layers.0.self_attn.q_proj.weight"));
            assertTrue(c.contains("model.layers.0.self_attn.q_proj.bias"));
        }
    }

    @Test
    void tokenizerBecomesHfTokenizerJson() {
        try (GgufCheckpoint c = GgufCheckpoint.open(tiny("llama"))) {
            JsonNode t = c.tokenizerJson();
            assertEquals("BPE", t.at("/model/type").asText());
            assertEquals(3, t.at("/model/vocab/ab").asInt());
            assertEquals("a b", t.at("/model/merges/0").asText());
            assertEquals("Digits", t.at("/pre_tokenizer/pretokenizers/0/type").asText());
            assertEquals("ByteLevel", t.at("/pre_tokenizer/pretokenizers/1/type").asText());
            assertEquals(2, t.get("added_tokens").size());
            assertEquals("<|endoftext|>", t.at("/added_tokens/0/content").asText());
            assertTrue(t.at("/added_tokens/0/special").asBoolean());
            assertFalse(t.at("/added_tokens/1/special").asBoolean());
            JsonNode tc = c.tokenizerConfig();
            assertEquals("<|endoftext|>", tc.get("bos_token").asText());
            assertEquals("{{ messages[0]['content'] }}", tc.get("chat_template").asText());
        }
    }

    @Test
    void unsupportedArchitectureTokenizerAndTensorAreNamed() {
        Path f = dir.resolve("gpt.gguf");
        new GgufWriter().putString("general.architecture", "gptneox").write(f);
        UnsupportedFormatException e = assertThrows(UnsupportedFormatException.class, () -> GgufCheckpoint.open(f));
        assertTrue(e.getMessage().contains("'gptneox'"), e.getMessage());

        Path odd = dir.resolve("odd.gguf");
        new GgufWriter().putString("general.architecture", "llama").putU32("llama.attention.head_count", 1)
                .f32("blk.0.attn_qkv.weight", new long[] {1}, new float[1]).write(odd);
        e = assertThrows(UnsupportedFormatException.class, () -> GgufCheckpoint.open(odd));
        assertTrue(e.getMessage().contains("blk.0.attn_qkv.weight"), e.getMessage());

        try (GgufCheckpoint spm = GgufCheckpoint.open(tiny("llama", "llama"))) {
            e = assertThrows(UnsupportedFormatException.class, spm::tokenizerJson);
            assertTrue(e.getMessage().contains("'tokenizer.ggml.model' is 'llama'"), e.getMessage());
        }
    }
}

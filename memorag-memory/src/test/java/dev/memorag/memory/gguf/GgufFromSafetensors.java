package dev.memorag.memory.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.gguf.GgmlType;
import dev.memorag.gguf.GgufWriter;
import dev.memorag.safetensors.Half;
import dev.memorag.safetensors.SafetensorsReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

/**
 * Test-side converter from a Hugging Face safetensors checkpoint to GGUF, written from the format facts (tensor
 * names, reversed dims, llama.cpp's q/k row interleaving for the llama architecture) independently of the reader.
 */
final class GgufFromSafetensors {
    private static final Map<String, String> LAYER = Map.ofEntries(
            Map.entry("input_layernorm.weight", "attn_norm.weight"),
            Map.entry("self_attn.q_proj.weight", "attn_q.weight"),
            Map.entry("self_attn.k_proj.weight", "attn_k.weight"),
            Map.entry("self_attn.v_proj.weight", "attn_v.weight"),
            Map.entry("self_attn.q_proj.bias", "attn_q.bias"),
            Map.entry("self_attn.k_proj.bias", "attn_k.bias"),
            Map.entry("self_attn.v_proj.bias", "attn_v.bias"),
            Map.entry("self_attn.o_proj.weight", "attn_output.weight"),
            Map.entry("post_attention_layernorm.weight", "ffn_norm.weight"),
            Map.entry("mlp.gate_proj.weight", "ffn_gate.weight"),
            Map.entry("mlp.up_proj.weight", "ffn_up.weight"),
            Map.entry("mlp.down_proj.weight", "ffn_down.weight"));

    private GgufFromSafetensors() {
    }

    /**
     * Writes {@code dir} as GGUF architecture {@code arch}; 2-D weights are stored as {@code matrixType} (F32, F16 or
     * Q8_0), vectors as F32.
     */
    static Path convert(Path dir, String arch, GgmlType matrixType, Path out) throws IOException {
        JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        int heads = c.get("num_attention_heads").asInt();
        int kvHeads = c.get("num_key_value_heads").asInt();
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", arch)
                .putU32(arch + ".context_length", c.get("max_position_embeddings").asInt())
                .putU32(arch + ".embedding_length", c.get("hidden_size").asInt())
                .putU32(arch + ".block_count", c.get("num_hidden_layers").asInt())
                .putU32(arch + ".feed_forward_length", c.get("intermediate_size").asInt())
                .putU32(arch + ".attention.head_count", heads)
                .putU32(arch + ".attention.head_count_kv", kvHeads)
                .putF32(arch + ".attention.layer_norm_rms_epsilon", (float) c.get("rms_norm_eps").asDouble())
                .putF32(arch + ".rope.freq_base", (float) c.get("rope_theta").asDouble())
                .putU32("tokenizer.ggml.bos_token_id", c.get("bos_token_id").asInt())
                .putU32("tokenizer.ggml.eos_token_id", c.get("eos_token_id").asInt());
        if (c.has("head_dim")) {
            w.putU32(arch + ".attention.key_length", c.get("head_dim").asInt());
            w.putU32(arch + ".attention.value_length", c.get("head_dim").asInt());
        }
        try (SafetensorsReader r = SafetensorsReader.open(dir)) {
            for (String name : r.names()) {
                long[] shape = r.shape(name);
                float[] v = r.readFloats(name);
                if (arch.equals("llama") && name.contains("q_proj")) {
                    v = interleave(v, shape, heads);
                } else if (arch.equals("llama") && name.contains("k_proj")) {
                    v = interleave(v, shape, kvHeads);
                }
                GgmlType type = shape.length == 2 ? matrixType : GgmlType.F32;
                w.tensor(ggufName(name), type, reverse(shape), encode(v, type));
            }
        }
        w.write(out);
        return out;
    }

    private static String ggufName(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight":
                return "token_embd.weight";
            case "model.norm.weight":
                return "output_norm.weight";
            case "lm_head.weight":
                return "output.weight";
            default:
                String[] p = hf.split("\\.", 4); // model, layers, N, rest
                return "blk." + p[2] + "." + LAYER.get(p[3]);
        }
    }

    /** HF row j*half+i of each head goes to row 2i+j (llama.cpp's converter). */
    private static float[] interleave(float[] v, long[] shape, int heads) {
        int rows = (int) shape[0];
        int cols = shape.length > 1 ? (int) shape[1] : 1;
        int hd = rows / heads;
        float[] out = new float[v.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                for (int j = 0; j < 2; j++) {
                    System.arraycopy(v, (h * hd + j * hd / 2 + i) * cols, out, (h * hd + 2 * i + j) * cols, cols);
                }
            }
        }
        return out;
    }

    private static long[] reverse(long[] s) {
        long[] d = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = s[s.length - 1 - i];
        }
        return d;
    }

    /** F32, F16, or Q8_0 (per 32 values: scale = max|x| / 127 as f16, q = round(x / scale)). */
    static byte[] encode(float[] v, GgmlType type) {
        ByteBuffer b = ByteBuffer.allocate((int) type.bytesFor(v.length)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (float x : v) {
                    b.putFloat(x);
                }
            }
            case F16 -> {
                for (float x : v) {
                    b.putShort(Half.fromFloat(x));
                }
            }
            case Q8_0 -> {
                for (int blk = 0; blk < v.length; blk += 32) {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) {
                        amax = Math.max(amax, Math.abs(v[blk + j]));
                    }
                    float d = amax / 127f;
                    float id = d == 0 ? 0 : 1f / d;
                    b.putShort(Half.fromFloat(d));
                    for (int j = 0; j < 32; j++) {
                        b.put((byte) Math.round(v[blk + j] * id));
                    }
                }
            }
            default -> throw new IllegalArgumentException(type.name());
        }
        return b.array();
    }
}

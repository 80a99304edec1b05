package dev.memorag.memory.lm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Writes a seeded random decoder checkpoint of a real model's shape, so anyone can benchmark or run text end to end
 * without downloading weights: {@code config.json}, {@code model.safetensors} (F32, streamed), a byte-level
 * {@code tokenizer.json} (256 byte tokens + {@code <|endoftext|>}, {@code <|im_start|>}, {@code <|im_end|>}, no
 * merges), a {@code tokenizer_config.json} with a ChatML chat template, and {@code generation_config.json}.
 *
 * <p>Thread-safety: stateless.
 */
public final class RandomCheckpoint {
    /** Token ids of the special tokens written to tokenizer.json. */
    public static final int END_OF_TEXT = 256;
    public static final int IM_START = 257;
    public static final int IM_END = 258;

    private static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private RandomCheckpoint() {
    }

    /**
     * Model dimensions. Thread-safety: immutable.
     *
     * @param name shape name
     * @param layers decoder layers
     * @param hidden model width
     * @param intermediate MLP width
     * @param heads query heads
     * @param kvHeads KV heads
     * @param vocab vocabulary size
     * @param maxPositions max_position_embeddings
     */
    public record Shape(String name, int layers, int hidden, int intermediate, int heads, int kvHeads, int vocab,
            int maxPositions) {
        /** The golden fixtures' size: 2 layers, hidden 64, MLP 128, 4/2 heads, vocab 512. */
        public static final Shape TINY = new Shape("tiny", 2, 64, 128, 4, 2, 512, 4096);
        /** Qwen2-0.5B: 24 layers, hidden 896, MLP 4864, 14/2 heads, vocab 151936. */
        public static final Shape QWEN2_0_5B = new Shape("qwen2-0.5b", 24, 896, 4864, 14, 2, 151936, 32768);

        public Shape {
            if (vocab < 259) {
                throw new InvalidInputException("shape vocab must hold the 259 byte/special tokens, was " + vocab);
            }
        }

        /** Parses {@code tiny} or {@code qwen2-0.5b}. */
        public static Shape parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "tiny":
                    return TINY;
                case "qwen2-0.5b":
                    return QWEN2_0_5B;
                default:
                    throw new InvalidInputException("unknown shape '" + s + "' (known: tiny, qwen2-0.5b)");
            }
        }
    }

    /**
     * Writes the checkpoint into {@code dir} (created if needed; existing files are replaced).
     *
     * @return the number of parameters written
     */
    public static long write(Path dir, ModelFamily family, Shape shape, long seed) {
        try {
            Files.createDirectories(dir);
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            json.writeValue(dir.resolve("config.json").toFile(), config(json, family, shape));
            ObjectNode gen = json.createObjectNode();
            gen.put("bos_token_id", END_OF_TEXT);
            gen.putArray("eos_token_id").add(IM_END).add(END_OF_TEXT);
            gen.put("do_sample", false);
            json.writeValue(dir.resolve("generation_config.json").toFile(), gen);
            json.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer(json));
            ObjectNode tc = json.createObjectNode();
            tc.put("tokenizer_class", "PreTrainedTokenizerFast");
            tc.putNull("bos_token");
            tc.put("eos_token", "<|im_end|>");
            tc.put("pad_token", "<|endoftext|>");
            tc.put("chat_template", CHATML);
            json.writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
            return writeWeights(dir.resolve("model.safetensors"), family, shape, seed);
        } catch (IOException e) {
            throw new MemoRagException("cannot write random checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static ObjectNode config(ObjectMapper json, ModelFamily family, Shape s) {
        ObjectNode c = json.createObjectNode();
        String arch = switch (family) {
            case QWEN2 -> "Qwen2ForCausalLM";
            case MISTRAL -> "MistralForCausalLM";
            case LLAMA -> "LlamaForCausalLM";
        };
        c.putArray("architectures").add(arch);
        c.put("model_type", family.modelType());
        c.put("hidden_act", "silu");
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.hidden() / s.heads());
        c.put("vocab_size", s.vocab());
        c.put("max_position_embeddings", s.maxPositions());
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", family == ModelFamily.LLAMA ? 500000.0 : 1000000.0);
        c.put("tie_word_embeddings", family == ModelFamily.QWEN2);
        c.put("bos_token_id", END_OF_TEXT);
        c.put("eos_token_id", IM_END);
        c.put("torch_dtype", "float32");
        return c;
    }

    /** Tensor name to shape, in the checkpoint's sorted order. */
    static Map<String, long[]> tensors(ModelFamily family, Shape s) {
        Map<String, long[]> t = new TreeMap<>();
        int hd = s.hidden() / s.heads();
        long q = (long) s.heads() * hd;
        long kv = (long) s.kvHeads() * hd;
        boolean bias = family.defaultQkvBias();
        t.put("model.embed_tokens.weight", new long[] {s.vocab(), s.hidden()});
        t.put("model.norm.weight", new long[] {s.hidden()});
        if (family != ModelFamily.QWEN2) {
            t.put("lm_head.weight", new long[] {s.vocab(), s.hidden()});
        }
        for (int i = 0; i < s.layers(); i++) {
            String p = "model.layers." + i + ".";
            t.put(p + "input_layernorm.weight", new long[] {s.hidden()});
            t.put(p + "post_attention_layernorm.weight", new long[] {s.hidden()});
            t.put(p + "self_attn.q_proj.weight", new long[] {q, s.hidden()});
            t.put(p + "self_attn.k_proj.weight", new long[] {kv, s.hidden()});
            t.put(p + "self_attn.v_proj.weight", new long[] {kv, s.hidden()});
            t.put(p + "self_attn.o_proj.weight", new long[] {s.hidden(), q});
            if (bias) {
                t.put(p + "self_attn.q_proj.bias", new long[] {q});
                t.put(p + "self_attn.k_proj.bias", new long[] {kv});
                t.put(p + "self_attn.v_proj.bias", new long[] {kv});
            }
            t.put(p + "mlp.gate_proj.weight", new long[] {s.intermediate(), s.hidden()});
            t.put(p + "mlp.up_proj.weight", new long[] {s.intermediate(), s.hidden()});
            t.put(p + "mlp.down_proj.weight", new long[] {s.hidden(), s.intermediate()});
        }
        return t;
    }

    /** Standard deviations in the spirit of the golden fixtures: O(1-50) logits, non-uniform attention. */
    private static double sigma(String name, Shape s) {
        double scale = Math.sqrt(64.0 / s.hidden());
        if (name.endsWith("norm.weight")) {
            return 0.1;
        }
        if (name.endsWith(".bias")) {
            return 0.05;
        }
        if (name.contains("embed_tokens")) {
            return 0.1;
        }
        if (name.startsWith("lm_head")) {
            return 0.3 * scale;
        }
        if (name.contains("q_proj") || name.contains("k_proj")) {
            return 0.15 * scale;
        }
        return 0.12 * scale;
    }

    private static long writeWeights(Path file, ModelFamily family, Shape shape, long seed) throws IOException {
        Map<String, long[]> tensors = tensors(family, shape);
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        long params = 0;
        for (Map.Entry<String, long[]> e : tensors.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode sh = t.putArray("shape");
            for (long d : e.getValue()) {
                sh.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + n * 4);
            offset += n * 4;
            params += n;
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        byte[] hp = new byte[padded];
        java.util.Arrays.fill(hp, (byte) ' ');
        System.arraycopy(h, 0, hp, 0, h.length);
        SplittableRandom root = new SplittableRandom(seed);
        List<SplittableRandom> streams = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            streams.add(root.split());
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(hp);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            int idx = 0;
            for (Map.Entry<String, long[]> e : tensors.entrySet()) {
                SplittableRandom r = streams.get(idx++);
                String name = e.getKey();
                double sd = sigma(name, shape);
                boolean norm = name.endsWith("norm.weight");
                float mult = name.equals("model.norm.weight") ? 3f : 1f;
                long n = 1;
                for (long d : e.getValue()) {
                    n *= d;
                }
                for (long i = 0; i < n; i++) {
                    float v = (float) (r.nextGaussian() * sd);
                    if (norm) {
                        v = (1f + v) * mult;
                    }
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
        return params;
    }

    /** A byte-level BPE tokenizer.json with no merges: every byte is one token, ids 0..255 by byte value. */
    private static ObjectNode tokenizer(ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
        for (int i = 0; i < specials.length; i++) {
            ObjectNode t = added.addObject();
            t.put("id", END_OF_TEXT + i);
            t.put("content", specials[i]);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel");
        dec.put("add_prefix_space", true);
        dec.put("trim_offsets", true);
        dec.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        Map<Integer, String> bytes = byteToUnicode();
        for (int b = 0; b < 256; b++) {
            vocab.put(bytes.get(b), b);
        }
        model.putArray("merges");
        return root;
    }

    /** GPT-2's reversible byte-to-printable-character map used by byte-level BPE. */
    static Map<Integer, String> byteToUnicode() {
        Map<Integer, String> m = new LinkedHashMap<>();
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            int cp = printable ? b : 256 + extra++;
            m.put(b, new String(Character.toChars(cp)));
        }
        return m;
    }

}

package dev.memorag.memory.lm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.safetensors.DType;
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
 * without downloading weights: {@code config.json}, the weights (streamed with bounded memory: F32 or BF16, one
 * {@code model.safetensors} or hub-style shards {@code model-0000i-of-0000n.safetensors} with a
 * {@code model.safetensors.index.json}; optionally with Activation-Beacon tensors), a byte-level
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
            int maxPositions, boolean qwen2TiesEmbeddings) {
        /** The golden fixtures' size: 2 layers, hidden 64, MLP 128, 4/2 heads, vocab 512. */
        public static final Shape TINY = new Shape("tiny", 2, 64, 128, 4, 2, 512, 4096, true);
        /** Qwen2-0.5B: 24 layers, hidden 896, MLP 4864, 14/2 heads, vocab 151936. */
        public static final Shape QWEN2_0_5B = new Shape("qwen2-0.5b", 24, 896, 4864, 14, 2, 151936, 32768, true);
        /** Qwen2-7B (memorag-qwen2-7b-inst's base): 28 layers, hidden 3584, MLP 18944, 28/4 heads, vocab 152064. */
        public static final Shape QWEN2_7B = new Shape("qwen2-7b", 28, 3584, 18944, 28, 4, 152064, 32768, false);
        /** Mistral-7B-v0.2 (memorag-mistral-7b-inst's base): 32 layers, hidden 4096, MLP 14336, 32/8 heads. */
        public static final Shape MISTRAL_7B = new Shape("mistral-7b", 32, 4096, 14336, 32, 8, 32000, 32768, false);

        public Shape {
            if (vocab < 259) {
                throw new InvalidInputException("shape vocab must hold the 259 byte/special tokens, was " + vocab);
            }
        }

        /** Parses {@code tiny}, {@code qwen2-0.5b}, {@code qwen2-7b} or {@code mistral-7b}. */
        public static Shape parse(String s) {
            for (Shape k : List.of(TINY, QWEN2_0_5B, QWEN2_7B, MISTRAL_7B)) {
                if (k.name().equals(s.toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new InvalidInputException("unknown shape '" + s + "' (known: tiny, qwen2-0.5b, qwen2-7b, "
                    + "mistral-7b)");
        }

        /** Whether the checkpoint of {@code family} in this shape ties the LM head to the embedding. */
        boolean tied(ModelFamily family) {
            return family == ModelFamily.QWEN2 && qwen2TiesEmbeddings;
        }
    }

    /**
     * How the weights are written. Thread-safety: immutable.
     *
     * @param dtype {@code F32} or {@code BF16}
     * @param shardBytes largest shard (a new shard starts before a tensor that would overflow it); {@code 0} writes
     *     one {@code model.safetensors}
     * @param beacon whether to add Activation-Beacon tensors: {@code model.beacon_embed_tokens.weight} and per layer
     *     {@code beacon_{q,k,v}_proj} (the base projection plus noise); the beacon config keys are added by
     *     {@code BeaconCheckpoint.configure}
     */
    public record Layout(DType dtype, long shardBytes, boolean beacon) {
        /** One F32 file, no beacon tensors (the default of {@link #write(Path, ModelFamily, Shape, long)}). */
        public static final Layout SINGLE_F32 = new Layout(DType.F32, 0, false);
        /** Shards of up to 4 GB, the hub's usual size. */
        public static final long HUB_SHARD_BYTES = 4_000_000_000L;

        public Layout {
            if (dtype != DType.F32 && dtype != DType.BF16) {
                throw new InvalidInputException("random checkpoints are written as F32 or BF16, not " + dtype);
            }
            if (shardBytes < 0) {
                throw new InvalidInputException("shardBytes must be >= 0, was " + shardBytes);
            }
        }
    }

    /**
     * Writes the checkpoint into {@code dir} (created if needed; existing files are replaced).
     *
     * @return the number of parameters written
     */
    public static long write(Path dir, ModelFamily family, Shape shape, long seed) {
        return write(dir, family, shape, seed, Layout.SINGLE_F32);
    }

    /**
     * Writes the checkpoint into {@code dir} with {@code layout}; memory stays bounded (one 64 KiB buffer) whatever
     * the shape.
     *
     * @return the number of parameters written
     */
    public static long write(Path dir, ModelFamily family, Shape shape, long seed, Layout layout) {
        try {
            Files.createDirectories(dir);
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode config = configJson(json, family, shape);
            config.put("torch_dtype", layout.dtype() == DType.BF16 ? "bfloat16" : "float32");
            json.writeValue(dir.resolve("config.json").toFile(), config);
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
            return writeWeights(dir, family, shape, seed, layout);
        } catch (IOException e) {
            throw new MemoRagException("cannot write random checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The {@code config.json} of {@code family} in {@code s} (float32 torch_dtype). */
    static ObjectNode configJson(ObjectMapper json, ModelFamily family, Shape s) {
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
        c.put("tie_word_embeddings", s.tied(family));
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
        if (!s.tied(family)) {
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

    /** The beacon tensors' names, each mapped to the base tensor it is a noisy copy of (the embedding: EOS row). */
    static Map<String, String> beaconTensors(ModelFamily family, Shape s) {
        Map<String, String> t = new TreeMap<>();
        t.put("model.beacon_embed_tokens.weight", "model.embed_tokens.weight");
        for (int i = 0; i < s.layers(); i++) {
            String p = "model.layers." + i + ".self_attn.";
            for (String x : new String[] {"q", "k", "v"}) {
                t.put(p + "beacon_" + x + "_proj.weight", p + x + "_proj.weight");
                if (family.defaultQkvBias()) {
                    t.put(p + "beacon_" + x + "_proj.bias", p + x + "_proj.bias");
                }
            }
        }
        return t;
    }

    /** Noise added to the base values of a beacon tensor. */
    private static final double BEACON_NOISE = 0.02;

    private static long writeWeights(Path dir, ModelFamily family, Shape shape, long seed, Layout layout)
            throws IOException {
        Map<String, long[]> base = tensors(family, shape);
        Map<String, long[]> all = new TreeMap<>(base);
        Map<String, String> beacon = layout.beacon() ? beaconTensors(family, shape) : Map.of();
        for (Map.Entry<String, String> e : beacon.entrySet()) {
            all.put(e.getKey(), e.getKey().contains("embed") ? new long[] {1, shape.hidden()} : base.get(e.getValue()));
        }
        // one seeded stream per base tensor, split in the base tensors' order (beacon tensors replay them)
        Map<String, Integer> streamIndex = new TreeMap<>();
        int idx = 0;
        for (String name : base.keySet()) {
            streamIndex.put(name, idx++);
        }
        int eb = layout.dtype().bytes();
        List<List<String>> shards = new ArrayList<>();
        long current = Long.MAX_VALUE;
        for (Map.Entry<String, long[]> e : all.entrySet()) {
            long bytes = count(e.getValue()) * eb;
            if (shards.isEmpty() || (layout.shardBytes() > 0 && current > 0 && current + bytes > layout.shardBytes())) {
                shards.add(new ArrayList<>());
                current = 0;
            }
            shards.get(shards.size() - 1).add(e.getKey());
            current += bytes;
        }
        List<SplittableRandom> streams = splits(seed, base.size());
        SplittableRandom noiseRoot = new SplittableRandom(seed + 1);
        long params = 0;
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = json.createObjectNode();
        ObjectNode map = json.createObjectNode();
        long totalSize = 0;
        for (int si = 0; si < shards.size(); si++) {
            String file = layout.shardBytes() == 0 ? "model.safetensors"
                    : String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", si + 1, shards.size());
            List<String> names = shards.get(si);
            ObjectNode header = json.createObjectNode();
            header.putObject("__metadata__").put("format", "pt");
            long offset = 0;
            for (String name : names) {
                long[] shapeOf = all.get(name);
                long n = count(shapeOf);
                ObjectNode t = header.putObject(name);
                t.put("dtype", layout.dtype().name());
                ArrayNode sh = t.putArray("shape");
                for (long d : shapeOf) {
                    sh.add(d);
                }
                t.putArray("data_offsets").add(offset).add(offset + n * eb);
                offset += n * eb;
                params += n;
                map.put(name, file);
            }
            totalSize += offset;
            byte[] h = json.writeValueAsBytes(header);
            int padded = (h.length + 7) / 8 * 8;
            byte[] hp = new byte[padded];
            java.util.Arrays.fill(hp, (byte) ' ');
            System.arraycopy(h, 0, hp, 0, h.length);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dir.resolve(file)), 1 << 20)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
                out.write(len.array());
                out.write(hp);
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (String name : names) {
                    String source = beacon.getOrDefault(name, name);
                    boolean isBeacon = beacon.containsKey(name);
                    SplittableRandom r = isBeacon ? splits(seed, base.size()).get(streamIndex.get(source))
                            : streams.get(streamIndex.get(name));
                    SplittableRandom noise = isBeacon ? noiseRoot.split() : null;
                    double sd = sigma(source, shape);
                    boolean norm = source.endsWith("norm.weight");
                    float mult = source.equals("model.norm.weight") ? 3f : 1f;
                    long skip = 0;
                    if (isBeacon && source.contains("embed")) {
                        // beacon_embed_init="eos": the EOS row of the embedding, plus noise
                        skip = (long) IM_END * shape.hidden();
                    }
                    for (long i = 0; i < skip; i++) {
                        r.nextGaussian();
                    }
                    long n = count(all.get(name));
                    for (long i = 0; i < n; i++) {
                        float v = (float) (r.nextGaussian() * sd);
                        if (norm) {
                            v = (1f + v) * mult;
                        }
                        if (noise != null) {
                            v += (float) (noise.nextGaussian() * BEACON_NOISE);
                        }
                        if (buf.remaining() < 4) {
                            out.write(buf.array(), 0, buf.position());
                            buf.clear();
                        }
                        if (eb == 4) {
                            buf.putFloat(v);
                        } else {
                            buf.putShort(bf16(v));
                        }
                    }
                }
                out.write(buf.array(), 0, buf.position());
            }
        }
        if (layout.shardBytes() > 0) {
            index.putObject("metadata").put("total_size", totalSize);
            index.set("weight_map", map);
            Files.write(dir.resolve("model.safetensors.index.json"),
                    json.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
        }
        return params;
    }

    /** The first {@code n} splits of a generator seeded with {@code seed} (the same streams on every call). */
    private static List<SplittableRandom> splits(long seed, int n) {
        SplittableRandom root = new SplittableRandom(seed);
        List<SplittableRandom> streams = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            streams.add(root.split());
        }
        return streams;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** float32 to bfloat16, rounding to nearest even (the random values are finite). */
    static short bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
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

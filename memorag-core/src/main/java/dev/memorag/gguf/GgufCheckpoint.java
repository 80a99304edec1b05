package dev.memorag.gguf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.tensor.TensorSource;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GGUF decoder checkpoint seen as a Hugging Face one: the metadata as a {@code config.json} tree, the embedded
 * tokenizer as {@code tokenizer.json} and {@code tokenizer_config.json} trees, and the tensors under Hugging Face names
 * and shapes, dequantised to float32. Supported architectures: {@code llama} (Llama, SmolLM, Mistral) and
 * {@code qwen2}.
 *
 * <p>llama.cpp's converter interleaves the rows of each attention head's query and key projections for the
 * {@code llama} architecture (so that its RoPE can rotate adjacent pairs); {@link #readFloats} undoes that so the
 * weights match the half-split RoPE of the Hugging Face layout.
 *
 * <p>Thread-safety: thread-safe after opening; {@link #close()} must not race with reads.
 */
public final class GgufCheckpoint implements TensorSource {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");
    /** GGUF per-layer tensor suffixes and their Hugging Face names (under {@code model.layers.N.}). */
    private static final Map<String, String> LAYER_NAMES = Map.ofEntries(
            Map.entry("attn_norm.weight", "input_layernorm.weight"),
            Map.entry("attn_q.weight", "self_attn.q_proj.weight"),
            Map.entry("attn_k.weight", "self_attn.k_proj.weight"),
            Map.entry("attn_v.weight", "self_attn.v_proj.weight"),
            Map.entry("attn_q.bias", "self_attn.q_proj.bias"),
            Map.entry("attn_k.bias", "self_attn.k_proj.bias"),
            Map.entry("attn_v.bias", "self_attn.v_proj.bias"),
            Map.entry("attn_output.weight", "self_attn.o_proj.weight"),
            Map.entry("ffn_norm.weight", "post_attention_layernorm.weight"),
            Map.entry("ffn_gate.weight", "mlp.gate_proj.weight"),
            Map.entry("ffn_up.weight", "mlp.up_proj.weight"),
            Map.entry("ffn_down.weight", "mlp.down_proj.weight"));
    private static final Map<String, String> GLOBAL_NAMES = Map.of(
            "token_embd.weight", "model.embed_tokens.weight",
            "output_norm.weight", "model.norm.weight",
            "output.weight", "lm_head.weight");
    /** ggml token types: control tokens are special; user-defined ones are added but not special. */
    private static final int TOKEN_CONTROL = 3;
    private static final int TOKEN_USER_DEFINED = 4;

    private final GgufFile file;
    private final String architecture;
    private final Map<String, String> hfToGguf;
    private final ObjectNode config;
    private final int numHeads;
    private final int numKvHeads;

    private GgufCheckpoint(GgufFile file) {
        this.file = file;
        this.architecture = file.requireString("general.architecture");
        if (!architecture.equals("llama") && !architecture.equals("qwen2")) {
            throw new UnsupportedFormatException(file.path() + ": metadata 'general.architecture' is '" + architecture
                    + "'; supported: llama (Llama, SmolLM, Mistral), qwen2");
        }
        if (file.tensors().containsKey("rope_freqs.weight")) {
            throw new UnsupportedFormatException(file.path() + ": tensor 'rope_freqs.weight' (Llama 3.1 style RoPE "
                    + "frequency factors) is not supported");
        }
        Map<String, String> names = new LinkedHashMap<>();
        for (String g : file.tensors().keySet()) {
            names.put(hfName(g), g);
        }
        this.hfToGguf = Collections.unmodifiableMap(names);
        this.numHeads = positiveInt(architecture + ".attention.head_count");
        this.numKvHeads = file.integer(architecture + ".attention.head_count_kv").map(Math::toIntExact)
                .orElse(numHeads);
        this.config = buildConfig();
    }

    /**
     * Opens {@code path}.
     *
     * @throws UnsupportedFormatException for an architecture other than llama and qwen2, or a tensor this mapping
     *     does not know
     */
    public static GgufCheckpoint open(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            return new GgufCheckpoint(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** The underlying file (metadata, raw tensors). */
    public GgufFile file() {
        return file;
    }

    private String hfName(String g) {
        String global = GLOBAL_NAMES.get(g);
        if (global != null) {
            return global;
        }
        Matcher m = LAYER.matcher(g);
        if (m.matches()) {
            String suffix = LAYER_NAMES.get(m.group(2));
            if (suffix != null) {
                return "model.layers." + m.group(1) + "." + suffix;
            }
        }
        throw new UnsupportedFormatException(file.path() + ": tensor '" + g + "' has no Hugging Face equivalent in "
                + "the " + architecture + " mapping");
    }

    private int positiveInt(String key) {
        long v = file.requireInteger(key);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new CorruptDataException(file.path() + ": metadata '" + key + "' must be a positive int, was " + v);
        }
        return (int) v;
    }

    /** The equivalent of the checkpoint's {@code config.json}, in the keys {@code ModelConfig} reads. */
    public ObjectNode config() {
        return config.deepCopy();
    }

    private ObjectNode buildConfig() {
        String a = architecture;
        ObjectNode c = JSON.objectNode();
        c.put("model_type", a);
        c.put("hidden_act", "silu");
        int hidden = positiveInt(a + ".embedding_length");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", positiveInt(a + ".feed_forward_length"));
        c.put("num_hidden_layers", positiveInt(a + ".block_count"));
        c.put("num_attention_heads", numHeads);
        c.put("num_key_value_heads", numKvHeads);
        int headDim = file.integer(a + ".attention.key_length").map(Math::toIntExact).orElse(hidden / numHeads);
        c.put("head_dim", headDim);
        c.put("max_position_embeddings", positiveInt(a + ".context_length"));
        c.put("rms_norm_eps", file.number(a + ".attention.layer_norm_rms_epsilon")
                .orElseThrow(() -> new CorruptDataException(file.path() + ": required metadata '" + a
                        + ".attention.layer_norm_rms_epsilon' is missing")));
        c.put("rope_theta", file.number(a + ".rope.freq_base").orElse(10000.0));
        ropeScaling(c);
        GgufTensor embed = file.tensors().get("token_embd.weight");
        if (embed == null) {
            throw new CorruptDataException(file.path() + ": tensor 'token_embd.weight' is missing");
        }
        c.put("vocab_size", embed.shape()[0]);
        c.put("tie_word_embeddings", !file.tensors().containsKey("output.weight"));
        c.put("attention_bias", file.tensors().containsKey("blk.0.attn_q.bias"));
        file.integer("tokenizer.ggml.bos_token_id").ifPresent(id -> c.put("bos_token_id", id));
        ArrayNode eos = c.putArray("eos_token_id");
        file.integer("tokenizer.ggml.eos_token_id").ifPresent(eos::add);
        file.integer("tokenizer.ggml.eot_token_id").filter(id -> !contains(eos, id)).ifPresent(eos::add);
        c.put("torch_dtype", "float32");
        c.put("gguf_file", file.path().toString());
        return c;
    }

    private static boolean contains(ArrayNode a, long v) {
        for (var n : a) {
            if (n.asLong() == v) {
                return true;
            }
        }
        return false;
    }

    private void ropeScaling(ObjectNode c) {
        String a = architecture;
        Optional<String> type = file.string(a + ".rope.scaling.type");
        if (type.isEmpty() || type.get().equals("none")) {
            return;
        }
        ObjectNode r = c.putObject("rope_scaling");
        r.put("rope_type", type.get());
        file.number(a + ".rope.scaling.factor").ifPresent(f -> r.put("factor", f));
        file.integer(a + ".rope.scaling.original_context_length")
                .ifPresent(n -> r.put("original_max_position_embeddings", n));
    }

    /**
     * The equivalent of {@code tokenizer.json} for a byte-level BPE vocabulary ({@code tokenizer.ggml.model} =
     * {@code gpt2}): vocabulary, merges, the pre-tokenizer named by {@code tokenizer.ggml.pre}, and the control and
     * user-defined tokens as added tokens.
     *
     * @throws UnsupportedFormatException for another tokenizer model or an unknown pre-tokenizer
     */
    public ObjectNode tokenizerJson() {
        String model = file.requireString("tokenizer.ggml.model");
        if (!model.equals("gpt2")) {
            throw new UnsupportedFormatException(file.path() + ": metadata 'tokenizer.ggml.model' is '" + model
                    + "'; only byte-level BPE ('gpt2') tokenizers are converted (SentencePiece 'llama' is not yet)");
        }
        List<String> tokens = file.requireArray("tokenizer.ggml.tokens", String.class);
        List<Long> types = file.array("tokenizer.ggml.token_type").isPresent()
                ? file.requireArray("tokenizer.ggml.token_type", Long.class) : List.of();
        List<String> merges = file.requireArray("tokenizer.ggml.merges", String.class);
        if (!types.isEmpty() && types.size() != tokens.size()) {
            throw new CorruptDataException(file.path() + ": metadata 'tokenizer.ggml.token_type' has " + types.size()
                    + " entries for " + tokens.size() + " tokens");
        }
        ObjectNode root = JSON.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < types.size(); i++) {
            long t = types.get(i);
            if (t == TOKEN_CONTROL || t == TOKEN_USER_DEFINED) {
                ObjectNode a = added.addObject();
                a.put("id", i);
                a.put("content", tokens.get(i));
                a.put("single_word", false);
                a.put("lstrip", false);
                a.put("rstrip", false);
                a.put("normalized", false);
                a.put("special", t == TOKEN_CONTROL);
            }
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", preTokenizer(file.string("tokenizer.ggml.pre").orElse("default")));
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder");
        byteLevel(decoder, true);
        ObjectNode m = root.putObject("model");
        m.put("type", "BPE");
        m.putNull("dropout");
        m.putNull("unk_token");
        m.putNull("continuing_subword_prefix");
        m.putNull("end_of_word_suffix");
        m.put("fuse_unk", false);
        m.put("byte_fallback", false);
        m.put("ignore_merges", false);
        ObjectNode vocab = m.putObject("vocab");
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put(tokens.get(i), i);
        }
        ArrayNode ms = m.putArray("merges");
        merges.forEach(ms::add);
        return root;
    }

    private static void byteLevel(ObjectNode n, boolean useRegex) {
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", true);
        n.put("use_regex", useRegex);
    }

    /** Llama 3's split pattern (numbers in runs of up to three digits); Qwen2's differs only in single digits. */
    private static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /**
     * The Hugging Face pre-tokenizer equivalent to llama.cpp's pre-tokenizer type {@code pre}: the regular expressions
     * llama.cpp associates with each type, expressed as the tokenizers library's Split / Digits / ByteLevel steps.
     */
    private ObjectNode preTokenizer(String pre) {
        ObjectNode seq = JSON.objectNode();
        seq.put("type", "Sequence");
        ArrayNode steps = seq.putArray("pretokenizers");
        switch (pre) {
            case "default", "gpt2", "gpt-2" -> byteLevel(steps.addObject(), true);
            case "smollm", "starcoder", "refact" -> {
                ObjectNode digits = steps.addObject();
                digits.put("type", "Digits");
                digits.put("individual_digits", true);
                byteLevel(steps.addObject(), true);
            }
            case "llama-bpe", "llama3", "smaug-bpe" -> {
                split(steps.addObject(), LLAMA3_SPLIT);
                byteLevel(steps.addObject(), false);
            }
            case "qwen2", "deepseek-r1-qwen" -> {
                split(steps.addObject(), QWEN2_SPLIT);
                byteLevel(steps.addObject(), false);
            }
            default -> throw new UnsupportedFormatException(file.path() + ": metadata 'tokenizer.ggml.pre' is '" + pre
                    + "'; supported: default, gpt2, smollm, starcoder, refact, llama-bpe, smaug-bpe, qwen2, "
                    + "deepseek-r1-qwen");
        }
        return seq;
    }

    private static void split(ObjectNode n, String regex) {
        n.put("type", "Split");
        n.putObject("pattern").put("Regex", regex);
        n.put("behavior", "Isolated");
        n.put("invert", false);
    }

    /**
     * The equivalent of {@code tokenizer_config.json}: {@code bos_token} and {@code eos_token} as text and, when the
     * file embeds one, {@code chat_template}.
     */
    public ObjectNode tokenizerConfig() {
        List<String> tokens = file.requireArray("tokenizer.ggml.tokens", String.class);
        ObjectNode c = JSON.objectNode();
        tokenText(tokens, "tokenizer.ggml.bos_token_id").ifPresent(t -> c.put("bos_token", t));
        tokenText(tokens, "tokenizer.ggml.eos_token_id").ifPresent(t -> c.put("eos_token", t));
        file.string("tokenizer.chat_template").ifPresent(t -> c.put("chat_template", t));
        return c;
    }

    private Optional<String> tokenText(List<String> tokens, String key) {
        Optional<Long> id = file.integer(key);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        if (id.get() < 0 || id.get() >= tokens.size()) {
            throw new CorruptDataException(file.path() + ": metadata '" + key + "' is " + id.get()
                    + ", outside the vocabulary of " + tokens.size() + " tokens");
        }
        return Optional.of(tokens.get(Math.toIntExact(id.get())));
    }

    @Override
    public Set<String> names() {
        return hfToGguf.keySet();
    }

    @Override
    public long[] shape(String name) {
        return tensor(name).shape();
    }

    private GgufTensor tensor(String name) {
        String g = hfToGguf.get(name);
        if (g == null) {
            throw new InvalidInputException(file.path() + ": tensor '" + name + "' not found (GGUF has "
                    + hfToGguf.size() + " tensors)");
        }
        return file.tensor(g);
    }

    /** Dequantised values under the Hugging Face name, with the llama q/k row interleaving undone. */
    @Override
    public float[] readFloats(String name) {
        GgufTensor t = tensor(name);
        float[] v = file.readFloats(t.name());
        if (architecture.equals("llama")) {
            if (name.endsWith("self_attn.q_proj.weight") || name.endsWith("self_attn.q_proj.bias")) {
                return unpermute(v, t, numHeads);
            }
            if (name.endsWith("self_attn.k_proj.weight") || name.endsWith("self_attn.k_proj.bias")) {
                return unpermute(v, t, numKvHeads);
            }
        }
        return v;
    }

    /**
     * Within each of {@code heads} blocks of rows, the converter stored row {@code j * half + i} of the Hugging Face
     * layout (j in {0, 1}, i < half) at position {@code 2 * i + j}; this puts every row back.
     */
    private float[] unpermute(float[] v, GgufTensor t, int heads) {
        long[] shape = t.shape();
        int rows = Math.toIntExact(shape[0]);
        int cols = shape.length > 1 ? Math.toIntExact(t.elementCount() / rows) : 1;
        if (rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new CorruptDataException(file.path() + ": tensor '" + t.name() + "' has " + rows
                    + " rows, not an even multiple of " + heads + " heads");
        }
        int headDim = rows / heads;
        int half = headDim / 2;
        float[] out = new float[v.length];
        for (int h = 0; h < heads; h++) {
            int base = h * headDim;
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < half; i++) {
                    System.arraycopy(v, (base + 2 * i + j) * cols, out, (base + j * half + i) * cols, cols);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        file.close();
    }
}

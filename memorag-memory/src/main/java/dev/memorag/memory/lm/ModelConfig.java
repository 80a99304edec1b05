package dev.memorag.memory.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.gguf.GgufCheckpoint;
import dev.memorag.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The architecture of a decoder checkpoint, parsed from its {@code config.json}. The raw JSON stays available through
 * {@link #raw()} so that model variants (the beacon memory model) can read their own keys.
 *
 * <p>Thread-safety: immutable (do not mutate the node returned by {@link #raw()}).
 *
 * @param family decoder family
 * @param hiddenSize model width
 * @param intermediateSize MLP width
 * @param numLayers decoder layers
 * @param numHeads query heads
 * @param numKvHeads key/value heads (GQA)
 * @param headDim per-head width
 * @param vocabSize vocabulary size (rows of the embedding)
 * @param rmsNormEps RMSNorm epsilon
 * @param ropeTheta RoPE base
 * @param ropeScaling RoPE scaling
 * @param tieWordEmbeddings whether lm_head shares the embedding matrix
 * @param qkvBias whether q/k/v projections carry biases
 * @param maxPositions max_position_embeddings
 * @param bosTokenId BOS id, or -1
 * @param eosTokenIds EOS ids (possibly empty)
 * @param raw the parsed config.json
 * @param source where it was read from (for messages)
 */
public record ModelConfig(ModelFamily family, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
        int numKvHeads, int headDim, int vocabSize, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
        boolean tieWordEmbeddings, boolean qkvBias, int maxPositions, int bosTokenId, List<Integer> eosTokenIds,
        JsonNode raw, String source) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(source, "source");
        eosTokenIds = List.copyOf(eosTokenIds);
        positive(hiddenSize, "hidden_size", source);
        positive(intermediateSize, "intermediate_size", source);
        positive(numLayers, "num_hidden_layers", source);
        positive(numHeads, "num_attention_heads", source);
        positive(numKvHeads, "num_key_value_heads", source);
        positive(headDim, "head_dim", source);
        positive(vocabSize, "vocab_size", source);
        positive(maxPositions, "max_position_embeddings", source);
        if (numHeads % numKvHeads != 0) {
            throw new ModelException(source + ": num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) {
            throw new ModelException(source + ": head_dim must be even for RoPE, was " + headDim);
        }
        if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
            throw new ModelException(source + ": rms_norm_eps and rope_theta must be > 0, were " + rmsNormEps + ", "
                    + ropeTheta);
        }
    }

    private static void positive(int v, String field, String source) {
        if (v <= 0) {
            throw new ModelException(source + ": field '" + field + "' must be > 0, was " + v);
        }
    }

    /** Query heads per KV head. */
    public int groups() {
        return numHeads / numKvHeads;
    }

    /** Parameters of one decoder layer (projections, biases, norms). */
    public long layerParameters() {
        long h = hiddenSize;
        long q = (long) numHeads * headDim;
        long kv = (long) numKvHeads * headDim;
        long p = h * q + 2 * h * kv + q * h + 3 * h * intermediateSize + 2 * h;
        return qkvBias ? p + q + 2 * kv : p;
    }

    /** All parameters (the embedding counted once when tied). */
    public long parameterCount() {
        long emb = (long) vocabSize * hiddenSize;
        return emb + (tieWordEmbeddings ? 0 : emb) + numLayers * layerParameters() + hiddenSize;
    }

    /**
     * Parameters read to decode one token: every layer, the final norm and the LM head (the embedding lookup reads a
     * single row).
     */
    public long parametersReadPerToken() {
        return numLayers * layerParameters() + hiddenSize + (long) vocabSize * hiddenSize + hiddenSize;
    }

    /** Whether {@code config.json} has any {@code beacon_*} key (an Activation-Beacon memory model). */
    public boolean isBeaconModel() {
        for (var it = raw.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith("beacon_")) {
                return true;
            }
        }
        return false;
    }

    /** Reads {@code dir/config.json}, or the metadata of a {@code .gguf} file. */
    public static ModelConfig load(Path dir) {
        if (GgufFile.isGgufPath(dir)) {
            try (GgufCheckpoint c = GgufCheckpoint.open(dir)) {
                return parse(c.config(), dir.toString());
            }
        }
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("no config.json in model directory " + dir);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CorruptDataException(file + ": invalid JSON: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    /** Parses a config.json tree; {@code source} names it in error messages. */
    public static ModelConfig parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new CorruptDataException(source + ": not a JSON object");
        }
        ModelFamily family = ModelFamily.fromModelType(requireText(root, "model_type", source), source);
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new UnsupportedFormatException(source + ": field 'hidden_act' value '" + act
                    + "' is not supported (only silu)");
        }
        int hidden = requireInt(root, "hidden_size", source);
        int heads = requireInt(root, "num_attention_heads", source);
        int kvHeads = root.hasNonNull("num_key_value_heads") ? requireInt(root, "num_key_value_heads", source) : heads;
        int headDim = root.hasNonNull("head_dim") ? requireInt(root, "head_dim", source) : hidden / heads;
        int maxPos = requireInt(root, "max_position_embeddings", source);
        boolean bias = root.has("attention_bias") ? root.get("attention_bias").asBoolean() : family.defaultQkvBias();
        if (root.path("mlp_bias").asBoolean(false)) {
            throw new UnsupportedFormatException(source + ": field 'mlp_bias' = true is not supported");
        }
        return new ModelConfig(family, hidden, requireInt(root, "intermediate_size", source),
                requireInt(root, "num_hidden_layers", source), heads, kvHeads, headDim,
                requireInt(root, "vocab_size", source), requireDouble(root, "rms_norm_eps", source),
                root.hasNonNull("rope_theta") ? requireDouble(root, "rope_theta", source) : 10000.0,
                RopeScaling.parse(root.get("rope_scaling"), maxPos, source),
                root.path("tie_word_embeddings").asBoolean(false), bias, maxPos,
                root.path("bos_token_id").asInt(-1), tokenIds(root.get("eos_token_id")), root, source);
    }

    /** An int or a list of ints (generation_config.json / config.json eos_token_id). */
    static List<Integer> tokenIds(JsonNode n) {
        List<Integer> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(e -> out.add(e.asInt()));
        } else if (n.canConvertToInt()) {
            out.add(n.asInt());
        }
        return out;
    }

    private static String requireText(JsonNode root, String field, String source) {
        JsonNode v = root.get(field);
        if (v == null || !v.isTextual()) {
            throw new ModelException(source + ": required field '" + field + "' is missing");
        }
        return v.asText();
    }

    private static int requireInt(JsonNode root, String field, String source) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new ModelException(source + ": required field '" + field + "' is missing");
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new ModelException(source + ": field '" + field + "' must be an integer, was " + v);
        }
        return v.asInt();
    }

    private static double requireDouble(JsonNode root, String field, String source) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new ModelException(source + ": required field '" + field + "' is missing");
        }
        if (!v.isNumber()) {
            throw new ModelException(source + ": field '" + field + "' must be a number, was " + v);
        }
        return v.asDouble();
    }

    @Override
    public String toString() {
        return family.modelType() + "[layers=" + numLayers + ", hidden=" + hiddenSize + ", heads=" + numHeads + "/"
                + numKvHeads + ", vocab=" + vocabSize + "]";
    }
}

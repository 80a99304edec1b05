package dev.memorag.memory.beacon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.CorruptDataException;
import dev.memorag.InvalidInputException;
import dev.memorag.ModelNotFoundException;
import dev.memorag.UnsupportedFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The architecture and Activation-Beacon settings of a memory model, read from a Hugging Face {@code config.json}
 * that carries {@code beacon_*} keys (MemoRAG's memory checkpoints keep {@code model_type} qwen2 / mistral / llama).
 *
 * <p>Thread-safety: immutable.
 *
 * @param family {@code model_type}
 * @param hidden hidden size
 * @param intermediate MLP size
 * @param layers decoder layers
 * @param heads query heads
 * @param kvHeads key/value heads
 * @param headDim head size
 * @param vocab vocabulary size; the beacon token id equals it
 * @param rmsEps RMSNorm epsilon
 * @param ropeTheta RoPE base
 * @param maxPositions {@code max_position_embeddings}
 * @param tieEmbeddings whether the LM head reuses the input embedding
 * @param window {@code beacon_window} in raw tokens
 * @param stride {@code beacon_stride} in raw tokens
 * @param ratios candidate compression ratios ({@code beacon_ratio}, or the load-time override)
 * @param ratioMix how a ratio is chosen per window when several are given
 * @param sinkSize {@code beacon_sink_size}
 * @param beaconParams which of q, k, v use the beacon projections
 * @param ratioSeed seed of the random source used by the random ratio-mix modes
 */
public record BeaconConfig(String family, int hidden, int intermediate, int layers, int heads, int kvHeads,
        int headDim, int vocab, double rmsEps, double ropeTheta, int maxPositions, boolean tieEmbeddings, int window,
        int stride, List<Integer> ratios, String ratioMix, int sinkSize, Set<String> beaconParams, long ratioSeed) {

    private static final Set<String> FAMILIES = Set.of("qwen2", "mistral", "llama");

    public BeaconConfig {
        ratios = List.copyOf(ratios);
        beaconParams = Set.copyOf(beaconParams);
        if (hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headDim <= 0
                || vocab <= 0 || intermediate <= 0) {
            throw new InvalidInputException("invalid beacon model shape: hidden=" + hidden + " layers=" + layers
                    + " heads=" + heads + " kv_heads=" + kvHeads + " head_dim=" + headDim + " vocab=" + vocab);
        }
        if (window <= 0 || stride <= 0 || stride > window) {
            throw new InvalidInputException("beacon_window/beacon_stride must satisfy 0 < stride <= window, were "
                    + window + "/" + stride);
        }
        if (stride != window) {
            // raw activations of overlapping windows are not supported (MemoRAG's checkpoints use stride == window)
            throw new UnsupportedFormatException("beacon_stride " + stride + " != beacon_window " + window
                    + " is not supported");
        }
        if (ratios.isEmpty()) {
            throw new InvalidInputException("beacon_ratio must list at least one ratio");
        }
        for (int r : ratios) {
            if (r <= 0 || r > window) {
                throw new InvalidInputException("beacon_ratio " + r + " must be in 1.." + window
                        + " (ratio 0, raw activations as beacons, is not supported)");
            }
        }
        if (!List.of("step-random", "instance-random", "sequence").contains(ratioMix)
                && !ratioMix.startsWith("adapt-")) {
            throw new UnsupportedFormatException("beacon_ratio_mix '" + ratioMix + "' is not supported");
        }
        for (String p : beaconParams) {
            if (!Set.of("q", "k", "v").contains(p)) {
                throw new UnsupportedFormatException("beacon_param '" + p + "' is not supported (q, k, v only)");
            }
        }
    }

    /** The beacon token id (one past the vocabulary). */
    public int beaconTokenId() {
        return vocab;
    }

    /** A copy with {@code beacon_ratio} replaced by a single ratio (MemoRAG's {@code beacon_ratio} argument). */
    public BeaconConfig withRatio(int ratio) {
        return new BeaconConfig(family, hidden, intermediate, layers, heads, kvHeads, headDim, vocab, rmsEps,
                ropeTheta, maxPositions, tieEmbeddings, window, stride, List.of(ratio), ratioMix, sinkSize,
                beaconParams, ratioSeed);
    }

    /** Whether {@code config.json} in {@code modelDir} describes a beacon model (has {@code beacon_*} keys). */
    public static boolean isBeaconModel(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            return root.has("beacon_window") && root.has("beacon_ratio");
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads {@code modelDir/config.json}. */
    public static BeaconConfig load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ModelNotFoundException("model config not found: " + file);
        } catch (IOException e) {
            throw new CorruptDataException("model config " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        Fields f = new Fields(file, root);
        String family = f.text("model_type").toLowerCase(Locale.ROOT);
        if (!FAMILIES.contains(family)) {
            throw new UnsupportedFormatException("model config " + file + ": model_type '" + family
                    + "' is not supported for beacon memory (qwen2, mistral, llama)");
        }
        if (!f.text("beacon_attn", "full-coverage").equals("full-coverage")) {
            throw new UnsupportedFormatException("model config " + file + ": beacon_attn '"
                    + f.text("beacon_attn", "") + "' is not supported (full-coverage only)");
        }
        if (!f.text("beacon_pos", "interleave").equals("interleave")) {
            throw new UnsupportedFormatException("model config " + file + ": beacon_pos '"
                    + f.text("beacon_pos", "") + "' is not supported (interleave only)");
        }
        if (root.hasNonNull("rope_scaling")) {
            throw new UnsupportedFormatException("model config " + file + ": rope_scaling " + root.get("rope_scaling")
                    + " is not supported by the beacon model");
        }
        if (f.integer("beacon_parallel_window", 1) != 1) {
            throw new UnsupportedFormatException("model config " + file + ": beacon_parallel_window "
                    + f.integer("beacon_parallel_window", 1) + " is not supported (1 only)");
        }
        int hidden = f.integer("hidden_size", -1);
        int heads = f.integer("num_attention_heads", -1);
        int headDim = root.hasNonNull("head_dim") ? f.integer("head_dim", -1) : (heads > 0 ? hidden / heads : -1);
        List<Integer> ratios = new ArrayList<>();
        JsonNode r = root.get("beacon_ratio");
        if (r != null && r.isArray()) {
            r.forEach(x -> ratios.add(x.asInt()));
        } else if (r != null && r.canConvertToInt()) {
            ratios.add(r.asInt());
        }
        List<String> params = new ArrayList<>();
        JsonNode p = root.get("beacon_param");
        if (p != null && p.isArray()) {
            p.forEach(x -> params.add(x.asText()));
        }
        return new BeaconConfig(family, hidden, f.integer("intermediate_size", -1),
                f.integer("num_hidden_layers", -1), heads, f.integer("num_key_value_heads", heads), headDim,
                f.integer("vocab_size", -1), f.number("rms_norm_eps", 1e-6), f.number("rope_theta", 10000.0),
                f.integer("max_position_embeddings", -1),
                root.path("tie_word_embeddings").asBoolean(false), f.integer("beacon_window", -1),
                f.integer("beacon_stride", f.integer("beacon_window", -1)), ratios,
                f.text("beacon_ratio_mix", "step-random"), f.integer("beacon_sink_size", 0), Set.copyOf(params),
                42L);
    }

    private record Fields(Path file, JsonNode root) {
        String text(String name) {
            JsonNode n = root.get(name);
            if (n == null || !n.isTextual()) {
                throw new CorruptDataException("model config " + file + ": field '" + name + "' missing");
            }
            return n.asText();
        }

        String text(String name, String dflt) {
            JsonNode n = root.get(name);
            return n == null || n.isNull() ? dflt : n.asText();
        }

        int integer(String name, int dflt) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                if (dflt < 0) {
                    throw new CorruptDataException("model config " + file + ": field '" + name + "' missing");
                }
                return dflt;
            }
            if (!n.canConvertToInt()) {
                throw new CorruptDataException("model config " + file + ": field '" + name
                        + "' must be an integer, was " + n);
            }
            return n.asInt();
        }

        double number(String name, double dflt) {
            JsonNode n = root.get(name);
            return n == null || !n.isNumber() ? dflt : n.asDouble();
        }
    }
}

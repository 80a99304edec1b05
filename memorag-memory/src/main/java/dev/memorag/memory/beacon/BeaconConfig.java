package dev.memorag.memory.beacon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.memory.lm.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The Activation-Beacon settings of a memory model on top of its decoder {@link ModelConfig}, read from a Hugging
 * Face {@code config.json} that carries {@code beacon_*} keys (MemoRAG's memory checkpoints keep {@code model_type}
 * qwen2 / mistral / llama).
 *
 * <p>Thread-safety: immutable.
 *
 * @param base the decoder architecture
 * @param window {@code beacon_window} in raw tokens
 * @param stride {@code beacon_stride} in raw tokens
 * @param ratios candidate compression ratios ({@code beacon_ratio}, or the load-time override)
 * @param ratioMix how a ratio is chosen per window when several are given ({@code beacon_ratio_mix})
 * @param sinkSize {@code beacon_sink_size}
 * @param beaconParams which of q, k, v use the beacon projections ({@code beacon_param})
 * @param ratioSeed seed of the random source used by the random ratio-mix modes
 */
public record BeaconConfig(ModelConfig base, int window, int stride, List<Integer> ratios, String ratioMix,
        int sinkSize, Set<String> beaconParams, long ratioSeed) {

    /** Default seed of the ratio-mix random source. */
    public static final long DEFAULT_RATIO_SEED = 42L;

    public BeaconConfig {
        Objects.requireNonNull(base, "base");
        ratios = List.copyOf(ratios);
        beaconParams = Set.copyOf(beaconParams);
        Objects.requireNonNull(ratioMix, "ratioMix");
        String src = base.source();
        if (window <= 0 || stride <= 0) {
            throw new InvalidInputException(src + ": beacon_window/beacon_stride must be > 0, were " + window + "/"
                    + stride);
        }
        if (stride != window) {
            // overlapping windows are not used by MemoRAG's checkpoints (stride == window everywhere)
            throw new UnsupportedFormatException(src + ": beacon_stride " + stride + " != beacon_window " + window
                    + " is not supported");
        }
        if (ratios.isEmpty()) {
            throw new InvalidInputException(src + ": beacon_ratio must list at least one ratio");
        }
        for (int r : ratios) {
            if (r <= 0 || r > window) {
                throw new InvalidInputException(src + ": beacon_ratio " + r + " must be in 1.." + window
                        + " (ratio 0, raw activations as beacons, is not supported)");
            }
        }
        if (!List.of("step-random", "instance-random", "sequence").contains(ratioMix)
                && !ratioMix.matches("adapt-\\d+")) {
            throw new UnsupportedFormatException(src + ": beacon_ratio_mix '" + ratioMix + "' is not supported");
        }
        if (sinkSize < 0) {
            throw new InvalidInputException(src + ": beacon_sink_size must be >= 0, was " + sinkSize);
        }
        for (String p : beaconParams) {
            if (!Set.of("q", "k", "v").contains(p)) {
                throw new UnsupportedFormatException(src + ": beacon_param '" + p
                        + "' is not supported (q, k, v only; o_proj and the MLP are shared)");
            }
        }
    }

    public int hidden() {
        return base.hiddenSize();
    }

    public int intermediate() {
        return base.intermediateSize();
    }

    public int layers() {
        return base.numLayers();
    }

    public int heads() {
        return base.numHeads();
    }

    public int kvHeads() {
        return base.numKvHeads();
    }

    public int headDim() {
        return base.headDim();
    }

    public int vocab() {
        return base.vocabSize();
    }

    public int maxPositions() {
        return base.maxPositions();
    }

    /** The beacon token id (one past the vocabulary). */
    public int beaconTokenId() {
        return base.vocabSize();
    }

    /** A copy with {@code beacon_ratio} replaced by a single ratio (MemoRAG's {@code beacon_ratio} argument). */
    public BeaconConfig withRatio(int ratio) {
        return new BeaconConfig(base, window, stride, List.of(ratio), ratioMix, sinkSize, beaconParams, ratioSeed);
    }

    /** A copy whose beacon positions use the beacon projections listed in {@code params} only. */
    public BeaconConfig withBeaconParams(Set<String> params) {
        return new BeaconConfig(base, window, stride, ratios, ratioMix, sinkSize, params, ratioSeed);
    }

    /** A copy with another seed for the ratio-mix random source. */
    public BeaconConfig withRatioSeed(long seed) {
        return new BeaconConfig(base, window, stride, ratios, ratioMix, sinkSize, beaconParams, seed);
    }

    /** Whether {@code modelDir/config.json} describes a beacon model (has {@code beacon_*} keys). */
    public static boolean isBeaconModel(Path modelDir) {
        if (!Files.isRegularFile(modelDir.resolve("config.json"))) {
            return false;
        }
        try {
            return ModelConfig.load(modelDir).isBeaconModel();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Reads {@code modelDir/config.json}; throws when it has no {@code beacon_*} keys. */
    public static BeaconConfig load(Path modelDir) {
        return fromModelConfig(ModelConfig.load(modelDir));
    }

    /** The beacon settings of a parsed config. */
    public static BeaconConfig fromModelConfig(ModelConfig base) {
        JsonNode root = base.raw();
        String src = base.source();
        if (!base.isBeaconModel() || !root.has("beacon_window")) {
            throw new UnsupportedFormatException(src + ": not a beacon memory model (no beacon_window key)");
        }
        String attn = root.path("beacon_attn").asText("full-coverage");
        if (!attn.equals("full-coverage")) {
            throw new UnsupportedFormatException(src + ": beacon_attn '" + attn
                    + "' is not supported (full-coverage only)");
        }
        String pos = root.path("beacon_pos").asText("interleave");
        if (!pos.equals("interleave")) {
            throw new UnsupportedFormatException(src + ": beacon_pos '" + pos + "' is not supported (interleave only)");
        }
        int parallel = root.path("beacon_parallel_window").asInt(1);
        if (parallel != 1) {
            throw new UnsupportedFormatException(src + ": beacon_parallel_window " + parallel
                    + " is not supported (1 only)");
        }
        int window = root.path("beacon_window").asInt(-1);
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
        } else {
            params.addAll(List.of("q", "k", "v"));
        }
        return new BeaconConfig(base, window, root.path("beacon_stride").asInt(window), ratios,
                root.path("beacon_ratio_mix").asText("step-random"), root.path("beacon_sink_size").asInt(0),
                Set.copyOf(params), DEFAULT_RATIO_SEED);
    }
}

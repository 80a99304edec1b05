package dev.memorag.memory.beacon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.memory.lm.ModelConfig;
import dev.memorag.safetensors.DType;
import dev.memorag.safetensors.SafetensorsReader;
import dev.memorag.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeMap;

/**
 * Turns a plain decoder checkpoint (e.g. a random one from {@code memorag bench make-model}) into an
 * Activation-Beacon memory model for benchmarks and tests: adds the {@code beacon_*} config keys, a beacon embedding
 * (the EOS row plus noise, like {@code beacon_embed_init="eos"}) and per-layer {@code beacon_{q,k,v}_proj} (the base
 * projections plus noise). The extra tensors go to {@code beacon.safetensors}, tied together with the original
 * weights by a {@code model.safetensors.index.json}, so the base file is not rewritten.
 *
 * <p>Thread-safety: stateless.
 */
public final class BeaconCheckpoint {
    /** File holding the added beacon tensors. */
    public static final String BEACON_FILE = "beacon.safetensors";

    private BeaconCheckpoint() {
    }

    /**
     * Adds beacon weights and settings to the single-file checkpoint in {@code dir}.
     *
     * @param ratio the compression ratio written as {@code beacon_ratio}
     * @param window {@code beacon_window} (= {@code beacon_stride})
     * @param seed seed of the noise
     */
    public static void addBeacon(Path dir, int ratio, int window, long seed) {
        if (ratio <= 0 || window <= 0 || ratio > window) {
            throw new InvalidInputException("beacon ratio must be in 1..window and window > 0, were " + ratio + ", "
                    + window);
        }
        Path single = dir.resolve("model.safetensors");
        if (!Files.isRegularFile(single)) {
            throw new InvalidInputException("no single-file checkpoint " + single + " to add beacon weights to");
        }
        ModelConfig c = ModelConfig.load(dir);
        ObjectMapper json = new ObjectMapper();
        Random rnd = new Random(seed);
        SafetensorsWriter w = new SafetensorsWriter();
        TreeMap<String, String> weightMap = new TreeMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(single)) {
            for (String name : r.names()) {
                weightMap.put(name, "model.safetensors");
            }
            int eos = c.eosTokenIds().isEmpty() ? 0 : c.eosTokenIds().get(0);
            float[] embed = new float[c.hiddenSize()];
            float[] table = r.readFloats("model.embed_tokens.weight");
            System.arraycopy(table, eos * c.hiddenSize(), embed, 0, c.hiddenSize());
            put(w, weightMap, "model.beacon_embed_tokens.weight", new long[] {1, c.hiddenSize()}, noisy(embed, 0.02,
                    rnd));
            for (int l = 0; l < c.numLayers(); l++) {
                for (String p : new String[] {"q", "k", "v"}) {
                    String base = "model.layers." + l + ".self_attn." + p + "_proj";
                    String beacon = "model.layers." + l + ".self_attn.beacon_" + p + "_proj";
                    put(w, weightMap, beacon + ".weight", r.info(base + ".weight").shape(),
                            noisy(r.readFloats(base + ".weight"), 0.02, rnd));
                    if (r.contains(base + ".bias")) {
                        put(w, weightMap, beacon + ".bias", r.info(base + ".bias").shape(),
                                noisy(r.readFloats(base + ".bias"), 0.01, rnd));
                    }
                }
            }
        }
        try {
            w.write(dir.resolve(BEACON_FILE), DType.F32);
            ObjectNode index = json.createObjectNode();
            index.putObject("metadata");
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            Files.write(dir.resolve("model.safetensors.index.json"), json.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(index));
        } catch (IOException e) {
            throw new StateException("cannot write beacon checkpoint in " + dir + ": " + e.getMessage(), e);
        }
        configure(dir, ratio, window);
    }

    /**
     * Adds the {@code beacon_*} keys to {@code dir/config.json} (MemoRAG's settings: full-coverage attention,
     * interleaved beacons, q/k/v beacon projections, EOS-initialised beacon embedding); the beacon tensors must be
     * in the checkpoint already ({@link #addBeacon}, or {@code RandomCheckpoint} with a beacon layout).
     */
    public static void configure(Path dir, int ratio, int window) {
        if (ratio <= 0 || window <= 0 || ratio > window) {
            throw new InvalidInputException("beacon ratio must be in 1..window and window > 0, were " + ratio + ", "
                    + window);
        }
        ObjectMapper json = new ObjectMapper();
        try {
            ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
            config.put("beacon_window", window);
            config.put("beacon_stride", window);
            config.put("beacon_attn", "full-coverage");
            config.put("beacon_attend_prev", true);
            ArrayNode ratios = config.putArray("beacon_ratio");
            ratios.add(ratio);
            config.put("beacon_ratio_mix", "step-random");
            ArrayNode params = config.putArray("beacon_param");
            params.add("q").add("k").add("v");
            config.put("beacon_embed_init", "eos");
            config.put("beacon_sink_size", 0);
            config.put("beacon_pos", "interleave");
            config.put("beacon_parallel_window", 1);
            Files.write(dir.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        } catch (IOException e) {
            throw new StateException("cannot write beacon checkpoint in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void put(SafetensorsWriter w, TreeMap<String, String> map, String name, long[] shape,
            float[] values) {
        w.put(name, shape, values);
        map.put(name, BEACON_FILE);
    }

    private static float[] noisy(float[] base, double sigma, Random rnd) {
        float[] out = new float[base.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = base[i] + (float) (rnd.nextGaussian() * sigma);
        }
        return out;
    }
}

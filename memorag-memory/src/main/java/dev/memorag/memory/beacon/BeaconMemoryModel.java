package dev.memorag.memory.beacon;

import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.state.StorageType;
import dev.memorag.memory.text.TextTokenizer;
import java.nio.file.Path;

/**
 * MemoRAG's memory model: a beacon checkpoint ({@code config.json} with {@code beacon_*} keys) that compresses the
 * text to one K/V entry per {@code r} tokens while reading it.
 *
 * <p>Thread-safety: thread-safe; calls are serialised.
 */
public final class BeaconMemoryModel extends TransformerMemoryModel {
    private BeaconMemoryModel(BeaconTransformer lm, TextTokenizer tok, String id, long maxTokens, StorageType st) {
        super(lm, tok, id, maxTokens, st);
    }

    /**
     * Loads a beacon checkpoint directory.
     *
     * @param ratio {@code beacon_ratio} override (MemoRAG defaults to 4), or null for the config's ratios
     * @param maxContextTokens texts longer than this (model tokens, prompt included) are rejected; 0 = no limit
     */
    public static BeaconMemoryModel load(Path dir, Integer ratio, long maxContextTokens, StorageType storage) {
        return load(dir, ratio, maxContextTokens, storage, RuntimeOptions.DEFAULT);
    }

    /** {@link #load(Path, Integer, long, StorageType)} on the device and precision of {@code options}. */
    public static BeaconMemoryModel load(Path dir, Integer ratio, long maxContextTokens, StorageType storage,
            RuntimeOptions options) {
        BeaconTransformer lm = BeaconTransformer.load(dir, ratio, options);
        try {
            return new BeaconMemoryModel(lm, TextTokenizer.load(dir), "beacon:" + dir.getFileName(),
                    maxContextTokens, storage);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }
}

package dev.memorag.memory.beacon;

import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.state.StorageType;
import dev.memorag.memory.text.TextTokenizer;
import java.nio.file.Path;

/**
 * A long-context LLM as memory: keeps the full KV cache of the context (no compression), so the text must fit in
 * {@code max_position_embeddings}; longer texts are rejected with a clear error.
 *
 * <p>Thread-safety: thread-safe; calls are serialised.
 */
public final class FullKvMemoryModel extends TransformerMemoryModel {
    /** Tokens read per forward pass while memorising (bounds activation memory). */
    public static final int DEFAULT_CHUNK = 512;

    private FullKvMemoryModel(BeaconTransformer lm, TextTokenizer tok, String id, long maxTokens, StorageType st) {
        super(lm, tok, id, maxTokens, st);
    }

    /** Loads a plain decoder checkpoint directory (qwen2, mistral, llama). */
    public static FullKvMemoryModel load(Path dir, long maxContextTokens, StorageType storage) {
        return load(dir, maxContextTokens, storage, RuntimeOptions.DEFAULT);
    }

    /** {@link #load(Path, long, StorageType)} on the device and precision of {@code options}. */
    public static FullKvMemoryModel load(Path dir, long maxContextTokens, StorageType storage,
            RuntimeOptions options) {
        BeaconTransformer lm = BeaconTransformer.loadFullKv(dir, DEFAULT_CHUNK, options);
        try {
            long limit = maxContextTokens > 0 ? Math.min(maxContextTokens, lm.config().maxPositions())
                    : lm.config().maxPositions();
            return new FullKvMemoryModel(lm, TextTokenizer.load(dir), "full-kv:" + dir.getFileName(), limit,
                    storage);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }
}

package dev.memorag.memory.state;

import dev.memorag.error.InvalidInputException;
import java.util.List;
import java.util.Objects;

/**
 * A complete memory snapshot: which model it belongs to, the cursors, and the cached K/V of every layer.
 *
 * <p>Thread-safety: immutable (see {@link KvTensor}).
 */
public record MemoryState(ModelFingerprint model, Cursors cursors, List<LayerKv> layers) {
    public MemoryState {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(cursors, "cursors");
        layers = List.copyOf(layers);
        if (layers.size() != model.layers()) {
            throw new InvalidInputException("memory state has " + layers.size() + " layers, model has "
                    + model.layers());
        }
        for (int i = 0; i < layers.size(); i++) {
            LayerKv l = layers.get(i);
            for (KvTensor t : l.tensors()) {
                if (t.heads() != model.kvHeads() || t.headDim() != model.headDim()) {
                    throw new InvalidInputException("layer " + i + " tensor shape [" + t.heads() + ", " + t.length()
                            + ", " + t.headDim() + "] does not match kv_heads=" + model.kvHeads() + " head_dim="
                            + model.headDim());
                }
            }
        }
    }

    /** Cached positions per layer (the same for every layer). */
    public int entriesPerLayer() {
        return layers.isEmpty() ? 0 : layers.get(0).entries();
    }

    /** Bytes of K/V held in float32. */
    public long kvBytes() {
        long v = 0;
        for (LayerKv l : layers) {
            v += l.values();
        }
        return v * Float.BYTES;
    }
}

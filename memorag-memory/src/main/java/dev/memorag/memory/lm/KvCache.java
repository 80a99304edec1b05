package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.memorag.error.StateException;

/**
 * Per-layer key/value cache (keys stored after RoPE) in preallocated buffers {@code [B, KvH, capacity, D]} that grow
 * by doubling, so decoding writes one slot per step instead of re-allocating the whole cache.
 *
 * <p>Usage per forward of {@code T} tokens: every layer calls {@link #append}, then the caller calls
 * {@link #advance(int)} once.
 *
 * <p>Internal runtime API (NDArray-based). Thread-safety: not thread-safe; one cache per sequence batch.
 */
public final class KvCache implements AutoCloseable {
    private final DecoderModel model;
    private final NDManager manager;
    private final int batch;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int capacity;
    private int length;
    private boolean closed;

    KvCache(DecoderModel model, int batch, int initialCapacity) {
        this.model = model;
        this.manager = model.manager().newSubManager();
        this.batch = batch;
        int layers = model.config().numLayers();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = Math.max(1, Math.min(initialCapacity, model.config().maxPositions()));
    }

    public int batch() {
        return batch;
    }

    /** Number of cached positions. */
    public int length() {
        return length;
    }

    /**
     * Writes {@code k, v [B, KvH, T, D]} at positions {@code length..length+T-1} of {@code layer} and returns views of
     * all cached keys and values {@code [B, KvH, length+T, D]}, attached to {@code scope}.
     */
    public NDArray[] append(int layer, NDArray k, NDArray v, NDManager scope) {
        ensureOpen();
        int t = Math.toIntExact(k.getShape().get(2));
        int end = length + t;
        ensureCapacity(layer, end, k);
        NDIndex slot = seq(length, end);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        NDIndex all = seq(0, end);
        return new NDArray[] {keys[layer].get(scope, all), values[layer].get(scope, all)};
    }

    private void ensureCapacity(int layer, int needed, NDArray like) {
        if (keys[layer] != null && needed <= capacityOf(layer)) {
            return;
        }
        int cap = Math.max(needed, capacity);
        if (keys[layer] != null) {
            cap = Math.max(needed, Math.min(2 * capacityOf(layer), model.config().maxPositions()));
        }
        Shape s = new Shape(batch, model.config().numKvHeads(), cap, model.config().headDim());
        NDArray nk = manager.zeros(s, like.getDataType());
        NDArray nv = manager.zeros(s, like.getDataType());
        if (keys[layer] != null) {
            NDIndex used = seq(0, length);
            try (NDManager tmp = manager.newSubManager()) {
                nk.set(used, keys[layer].get(tmp, used));
                nv.set(used, values[layer].get(tmp, used));
            }
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = nk;
        values[layer] = nv;
        capacity = Math.max(capacity, cap);
    }

    /** Positions {@code [from, to)} of a {@code [B, KvH, S, D]} buffer. */
    private static NDIndex seq(long from, long to) {
        return new NDIndex().addAllDim(2).addSliceDim(from, to);
    }

    private int capacityOf(int layer) {
        return Math.toIntExact(keys[layer].getShape().get(2));
    }

    /** Marks {@code t} more positions as cached (after all layers appended). */
    public void advance(int t) {
        ensureOpen();
        length += t;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateException("KvCache is closed");
        }
    }

    /** Frees the buffers; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }
}

package dev.memorag.memory.state;

import dev.memorag.error.InvalidInputException;
import java.util.Objects;

/**
 * The model properties a memory state depends on; a state can only be loaded into a model with an equal fingerprint.
 *
 * <p>Thread-safety: immutable.
 *
 * @param kind memory back-end ({@code "beacon"} or {@code "full-kv"})
 * @param layers number of decoder layers
 * @param kvHeads key/value heads per layer
 * @param headDim size of each head
 * @param hidden hidden size
 * @param vocab vocabulary size
 * @param beaconWindow beacon window in raw tokens (0 for a model without beacons)
 * @param beaconStride beacon stride in raw tokens (0 for a model without beacons)
 * @param sinkSize attention-sink size (0 when unused)
 */
public record ModelFingerprint(String kind, int layers, int kvHeads, int headDim, int hidden, int vocab,
        int beaconWindow, int beaconStride, int sinkSize) {
    public ModelFingerprint {
        Objects.requireNonNull(kind, "kind");
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || hidden <= 0 || vocab <= 0 || beaconWindow < 0
                || beaconStride < 0 || sinkSize < 0) {
            throw new InvalidInputException("invalid model fingerprint " + kind + " layers=" + layers + " kvHeads="
                    + kvHeads + " headDim=" + headDim + " hidden=" + hidden + " vocab=" + vocab + " beaconWindow="
                    + beaconWindow + " beaconStride=" + beaconStride + " sinkSize=" + sinkSize);
        }
    }

    /**
     * The first field that differs from {@code other}, as {@code "name: this vs other"}, or null when equal.
     */
    public String firstDifference(ModelFingerprint other) {
        if (!kind.equals(other.kind)) {
            return "kind: " + kind + " vs " + other.kind;
        }
        int[] a = {layers, kvHeads, headDim, hidden, vocab, beaconWindow, beaconStride, sinkSize};
        int[] b = {other.layers, other.kvHeads, other.headDim, other.hidden, other.vocab, other.beaconWindow,
            other.beaconStride, other.sinkSize};
        String[] names = {"layers", "kv_heads", "head_dim", "hidden", "vocab", "beacon_window", "beacon_stride",
            "sink_size"};
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                return names[i] + ": " + a[i] + " vs " + b[i];
            }
        }
        return null;
    }
}

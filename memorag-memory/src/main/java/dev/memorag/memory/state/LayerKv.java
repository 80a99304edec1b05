package dev.memorag.memory.state;

import dev.memorag.error.InvalidInputException;
import java.util.Objects;

/**
 * The cached K/V of one layer: attention-sink entries, beacon (compressed) entries and the raw entries of the open
 * window. Keys are stored before RoPE.
 *
 * <p>Thread-safety: immutable (see {@link KvTensor}).
 */
public record LayerKv(KvTensor sinkKey, KvTensor sinkValue, KvTensor beaconKey, KvTensor beaconValue,
        KvTensor rawKey, KvTensor rawValue) {
    public LayerKv {
        check("sink", Objects.requireNonNull(sinkKey, "sinkKey"), Objects.requireNonNull(sinkValue, "sinkValue"));
        check("beacon", Objects.requireNonNull(beaconKey, "beaconKey"),
                Objects.requireNonNull(beaconValue, "beaconValue"));
        check("raw", Objects.requireNonNull(rawKey, "rawKey"), Objects.requireNonNull(rawValue, "rawValue"));
    }

    private static void check(String what, KvTensor k, KvTensor v) {
        if (k.heads() != v.heads() || k.length() != v.length() || k.headDim() != v.headDim()) {
            throw new InvalidInputException(what + " key and value shapes differ: [" + k.heads() + ", " + k.length()
                    + ", " + k.headDim() + "] vs [" + v.heads() + ", " + v.length() + ", " + v.headDim() + "]");
        }
    }

    /** Total cached positions (sink + beacon + raw). */
    public int entries() {
        return sinkKey.length() + beaconKey.length() + rawKey.length();
    }

    /** Number of stored float values (keys and values). */
    public long values() {
        return 2L * (sinkKey.size() + beaconKey.size() + rawKey.size());
    }

    KvTensor[] tensors() {
        return new KvTensor[] {sinkKey, sinkValue, beaconKey, beaconValue, rawKey, rawValue};
    }
}

package dev.memorag.gguf;

/**
 * Metadata value types of the GGUF format, by their stored ids.
 *
 * <p>Thread-safety: immutable.
 */
enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12),
    UINT64(8), INT64(8), FLOAT64(8);

    /** The smallest number of bytes a value of this type occupies (for bounding array counts by the file size). */
    final int minBytes;

    GgufValueType(int minBytes) {
        this.minBytes = minBytes;
    }

    static GgufValueType byId(long id) {
        return id >= 0 && id < values().length ? values()[(int) id] : null;
    }
}

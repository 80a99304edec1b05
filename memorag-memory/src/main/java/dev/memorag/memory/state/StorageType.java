package dev.memorag.memory.state;

/**
 * Element type of the K/V tensors in a memory-state file. Computation is always float32; {@code FLOAT16} halves the
 * file at a precision cost of about 1e-3 relative.
 *
 * <p>Thread-safety: immutable.
 */
public enum StorageType {
    FLOAT32("float32", 4), FLOAT16("float16", 2);

    private final String wireName;
    private final int bytes;

    StorageType(String wireName, int bytes) {
        this.wireName = wireName;
        this.bytes = bytes;
    }

    /** The name written in the file header. */
    public String wireName() {
        return wireName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The type named {@code name} in a header, or null when unknown. */
    static StorageType fromWire(String name) {
        for (StorageType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}

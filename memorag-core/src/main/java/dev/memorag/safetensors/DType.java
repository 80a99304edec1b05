package dev.memorag.safetensors;

import dev.memorag.error.UnsupportedFormatException;

/**
 * Element types that may appear in a safetensors file.
 *
 * <p>Thread-safety: immutable.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether {@link SafetensorsReader#readFloats} can convert this type. */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** Parses the header spelling ({@code "F32"}, {@code "BF16"}, ...). */
    public static DType parse(String name, String where) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new UnsupportedFormatException(where + ": unsupported dtype '" + name + "'");
        }
    }
}

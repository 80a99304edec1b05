package dev.memorag.gguf;

import dev.memorag.safetensors.Half;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The ggml tensor types this library dequantises, with their numeric ids in GGUF tensor infos and their block layout
 * (elements per block, bytes per block). Quantised types store blocks of little-endian fields; {@link #dequantize}
 * expands whole blocks to float32.
 *
 * <p>Thread-safety: immutable.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    /** 32 weights: f16 scale d, 16 bytes of 4-bit values q; w = (q - 8) * d. */
    Q4_0(2, 32, 18),
    /** 32 weights: f16 scale d, f16 minimum m, 16 bytes of 4-bit values q; w = q * d + m. */
    Q4_1(3, 32, 20),
    /** 32 weights: f16 d, 32 high bits, 16 bytes of low nibbles; w = (q - 16) * d. */
    Q5_0(6, 32, 22),
    /** 32 weights: f16 d, f16 m, 32 high bits, 16 bytes of low nibbles; w = q * d + m. */
    Q5_1(7, 32, 24),
    /** 32 weights: f16 scale d, 32 signed bytes q; w = q * d. */
    Q8_0(8, 32, 34),
    /** 256 weights in 8 sub-blocks of 32 with 6-bit scales and minimums, 4-bit values. */
    Q4_K(12, 256, 144),
    /** 256 weights in 16 sub-blocks of 16 with 8-bit scales, 6-bit values. */
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The type id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for the plain float types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** The type with GGUF id {@code id}, if this library reads it. */
    public static Optional<GgmlType> byId(long id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Bytes taken by {@code elements} values; {@code elements} must be a multiple of {@link #blockSize()}.
     */
    public long bytesFor(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /**
     * Expands {@code count} elements (a multiple of {@link #blockSize()}) stored from absolute position {@code pos} of
     * little-endian {@code src} into {@code dst} from {@code dstOffset}.
     */
    public void dequantize(ByteBuffer src, long pos, float[] dst, int dstOffset, int count) {
        int p = Math.toIntExact(pos);
        int blocks = count / blockSize;
        for (int b = 0; b < blocks; b++) {
            int at = p + b * blockBytes;
            int out = dstOffset + b * blockSize;
            switch (this) {
                case F32 -> dst[out] = src.getFloat(at);
                case F16 -> dst[out] = Half.toFloat(src.getShort(at));
                case BF16 -> dst[out] = Float.intBitsToFloat((src.getShort(at) & 0xffff) << 16);
                case Q4_0 -> q4(src, at, dst, out, false);
                case Q4_1 -> q4(src, at, dst, out, true);
                case Q5_0 -> q5(src, at, dst, out, false);
                case Q5_1 -> q5(src, at, dst, out, true);
                case Q8_0 -> {
                    float d = Half.toFloat(src.getShort(at));
                    for (int j = 0; j < 32; j++) {
                        dst[out + j] = src.get(at + 2 + j) * d;
                    }
                }
                case Q4_K -> q4k(src, at, dst, out);
                case Q6_K -> q6k(src, at, dst, out);
                default -> throw new IllegalStateException(name());
            }
        }
    }

    /** Low nibbles hold elements 0..15 of the block, high nibbles 16..31. */
    private static void q4(ByteBuffer src, int at, float[] dst, int out, boolean withMin) {
        float d = Half.toFloat(src.getShort(at));
        int qs = at + (withMin ? 4 : 2);
        if (withMin) {
            float m = Half.toFloat(src.getShort(at + 2));
            for (int j = 0; j < 16; j++) {
                int q = src.get(qs + j) & 0xff;
                dst[out + j] = (q & 0x0f) * d + m;
                dst[out + j + 16] = (q >>> 4) * d + m;
            }
        } else {
            for (int j = 0; j < 16; j++) {
                int q = src.get(qs + j) & 0xff;
                dst[out + j] = ((q & 0x0f) - 8) * d;
                dst[out + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /** As Q4 with a fifth bit per element from a 32-bit mask: bit j for element j. */
    private static void q5(ByteBuffer src, int at, float[] dst, int out, boolean withMin) {
        float d = Half.toFloat(src.getShort(at));
        float m = withMin ? Half.toFloat(src.getShort(at + 2)) : 0f;
        int offset = withMin ? 0 : 16;
        int hAt = at + (withMin ? 4 : 2);
        int qh = src.getInt(hAt);
        int qs = hAt + 4;
        for (int j = 0; j < 16; j++) {
            int q = src.get(qs + j) & 0xff;
            int lo = (q & 0x0f) | (((qh >>> j) & 1) << 4);
            int hi = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            dst[out + j] = (lo - offset) * d + m;
            dst[out + j + 16] = (hi - offset) * d + m;
        }
    }

    /**
     * Q4_K: f16 d, f16 dmin, 12 bytes packing eight 6-bit (scale, min) pairs, 128 bytes of nibbles; each 64-element
     * group takes the low nibbles of 32 bytes for its first half and their high nibbles for its second half.
     */
    private static void q4k(ByteBuffer src, int at, float[] dst, int out) {
        float d = Half.toFloat(src.getShort(at));
        float dmin = Half.toFloat(src.getShort(at + 2));
        int sc = at + 4;
        int qs = at + 16;
        for (int g = 0; g < 4; g++) {
            int is = 2 * g;
            float d1 = d * scaleK4(src, sc, is, false);
            float m1 = dmin * scaleK4(src, sc, is, true);
            float d2 = d * scaleK4(src, sc, is + 1, false);
            float m2 = dmin * scaleK4(src, sc, is + 1, true);
            for (int l = 0; l < 32; l++) {
                int q = src.get(qs + 32 * g + l) & 0xff;
                dst[out + 64 * g + l] = d1 * (q & 0x0f) - m1;
                dst[out + 64 * g + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }

    /** The 6-bit scale (or minimum) of sub-block {@code j} of a Q4_K block. */
    private static int scaleK4(ByteBuffer src, int sc, int j, boolean min) {
        if (j < 4) {
            return (src.get(sc + j + (min ? 4 : 0)) & 0xff) & 63;
        }
        int packed = src.get(sc + j + 4) & 0xff;
        int high = (src.get(sc + j - (min ? 0 : 4)) & 0xff) >>> 6;
        return (min ? packed >>> 4 : packed & 0x0f) | (high << 4);
    }

    /**
     * Q6_K: 128 bytes of low nibbles, 64 bytes of 2-bit high parts, 16 signed 8-bit scales, f16 d; values are
     * offset by 32. Each 128-element half interleaves four 32-element runs over the same 32 low-nibble bytes pairs.
     */
    private static void q6k(ByteBuffer src, int at, float[] dst, int out) {
        float d = Half.toFloat(src.getShort(at + 208));
        for (int half = 0; half < 2; half++) {
            int ql = at + 64 * half;
            int qh = at + 128 + 32 * half;
            int sc = at + 192 + 8 * half;
            int y = out + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lo0 = src.get(ql + l) & 0xff;
                int lo1 = src.get(ql + l + 32) & 0xff;
                int h = src.get(qh + l) & 0xff;
                int q1 = ((lo0 & 0x0f) | ((h & 3) << 4)) - 32;
                int q2 = ((lo1 & 0x0f) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((lo0 >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((lo1 >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                dst[y + l] = d * src.get(sc + is) * q1;
                dst[y + l + 32] = d * src.get(sc + is + 2) * q2;
                dst[y + l + 64] = d * src.get(sc + is + 4) * q3;
                dst[y + l + 96] = d * src.get(sc + is + 6) * q4;
            }
        }
    }
}

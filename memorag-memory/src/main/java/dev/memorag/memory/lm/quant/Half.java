package dev.memorag.memory.lm.quant;

/**
 * IEEE 754 binary16 (fp16) conversions for the block scales of {@link Int8Matrix}, on JDK 17
 * ({@code Float.float16ToFloat} and {@code Float.floatToFloat16} arrived in JDK 20). A half is held as its 16 bits in a
 * {@code short}, the form GGUF stores.
 *
 * <p>Half to float goes through a table of all 65,536 values (256 KB, built once): the kernels convert one scale per
 * 32 weights, and a load is cheaper than the bit arithmetic with its subnormal branch. Every half, subnormals,
 * infinities and NaNs (payload kept) included, converts exactly.
 *
 * <p>Thread-safety: stateless; the table is immutable after class initialisation.
 */
final class Half {
    /** The largest finite half, {@code 0x7bff}. */
    static final float MAX_VALUE = 65504f;

    private static final int EXPONENT_MASK = 0x7c00;
    private static final float[] TO_FLOAT = table();

    private Half() {
    }

    /** The float that the half {@code bits} stands for, exactly. */
    static float toFloat(short bits) {
        return TO_FLOAT[bits & 0xffff];
    }

    /** Whether the half {@code bits} is neither infinite nor NaN. */
    static boolean isFinite(short bits) {
        return (bits & EXPONENT_MASK) != EXPONENT_MASK;
    }

    /**
     * The half nearest to {@code f}, ties to even (IEEE's default rounding): magnitudes from 65520 up become
     * infinity, those up to 2^-25 become zero, those between round to a subnormal; NaNs stay NaN with the top of their
     * payload.
     */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) {
            if (abs == 0x7f800000) {
                return (short) (sign | EXPONENT_MASK);
            }
            int payload = (abs >>> 13) & 0x3ff;
            return (short) (sign | EXPONENT_MASK | (payload == 0 ? 0x200 : payload));
        }
        if (abs >= 0x477ff000) { // 65520, halfway from 65504 to 65536: the tie goes to the even 65536, infinity
            return (short) (sign | EXPONENT_MASK);
        }
        if (abs >= 0x38800000) { // 2^-14 and up: a normal half, the exponent rebiased from 127 to 15
            return (short) (sign | roundShift(abs - (112 << 23), 13));
        }
        if (abs <= 0x33000000) { // 2^-25 and below, float subnormals included: the tie at 2^-25 goes to the even 0
            return (short) sign;
        }
        // a half subnormal counts units of 2^-24: the float's significand m (implicit bit set) times 2^(e - 150)
        // is m >> (126 - e) units, 14 to 24 bits of shift for e in [102, 112]
        int e = abs >>> 23;
        return (short) (sign | roundShift((abs & 0x7fffff) | 0x800000, 126 - e));
    }

    /** {@code v >> shift} rounded to nearest, ties to even; a carry out of the significand bumps the exponent. */
    private static int roundShift(int v, int shift) {
        int kept = v >>> shift;
        int rest = v & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        return rest > half || (rest == half && (kept & 1) == 1) ? kept + 1 : kept;
    }

    private static float[] table() {
        float[] t = new float[1 << 16];
        for (int h = 0; h < t.length; h++) {
            int sign = (h & 0x8000) << 16;
            int exp = (h >>> 10) & 0x1f;
            int mant = h & 0x3ff;
            if (exp == 0) {
                float v = mant * 0x1p-24f; // exact: at most 10 significant bits
                t[h] = sign != 0 ? -v : v;
            } else if (exp == 0x1f) {
                t[h] = Float.intBitsToFloat(sign | 0x7f800000 | mant << 13);
            } else {
                t[h] = Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
            }
        }
        return t;
    }
}

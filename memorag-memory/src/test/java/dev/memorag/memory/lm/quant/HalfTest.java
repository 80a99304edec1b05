package dev.memorag.memory.lm.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link Half} against references written independently in double arithmetic: every half both ways, millions of
 * seeded random floats, every tie between neighbouring halves, and (on JDK 20+) the JDK's own conversions.
 */
class HalfTest {
    private static final int RANDOM_BITS = 4_000_000;
    private static final int RANDOM_IN_RANGE = 2_000_000;

    /** The value of half {@code h} as (-1)^s * 2^(e - 15) * (1 + m / 1024), or m * 2^-24 for subnormals. */
    private static double referenceValue(int h) {
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        double v = exp == 0 ? Math.scalb((double) mant, -24) : Math.scalb(1024.0 + mant, exp - 25);
        return (h & 0x8000) != 0 ? -v : v;
    }

    /**
     * The half nearest to a finite {@code f}, ties to even: {@code |f|} divided by the spacing of halves at its
     * exponent (never below the subnormals' 2^-24) is rounded by {@link Math#rint}, which rounds ties to even, and the
     * result encoded field by field.
     */
    private static short referenceFromFloat(float f) {
        int sign = Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0;
        double a = Math.abs((double) f);
        if (a >= 65520.0) {
            return (short) (sign | 0x7c00);
        }
        int e = a == 0 ? -14 : Math.max(Math.getExponent(a), -14);
        double ulp = Math.scalb(1.0, e - 10);
        double k = Math.rint(a / ulp); // exact quotient: ulp is a power of two
        double v = k * ulp;
        if (v == 0) {
            return (short) sign;
        }
        if (v < 0x1p-14) {
            return (short) (sign | (int) k);
        }
        int ve = Math.getExponent(v);
        int mant = (int) (v / Math.scalb(1.0, ve - 10)) - 1024;
        return (short) (sign | (ve + 15) << 10 | mant);
    }

    private static void assertConverts(float f) {
        short expected = referenceFromFloat(f);
        short actual = Half.fromFloat(f);
        if (expected != actual) {
            throw new AssertionError("fromFloat(" + f + ", bits 0x" + Integer.toHexString(Float.floatToRawIntBits(f))
                    + ") = 0x" + Integer.toHexString(actual & 0xffff) + ", reference 0x"
                    + Integer.toHexString(expected & 0xffff));
        }
    }

    @Test
    void everyHalfWidensExactlyAndRoundTrips() {
        for (int h = 0; h < 1 << 16; h++) {
            short bits = (short) h;
            float f = Half.toFloat(bits);
            int exp = (h >>> 10) & 0x1f;
            String what = "half 0x" + Integer.toHexString(h);
            if (exp == 0x1f) {
                int expected = (h & 0x8000) << 16 | 0x7f800000 | (h & 0x3ff) << 13;
                assertEquals(expected, Float.floatToRawIntBits(f), what);
                assertFalse(Half.isFinite(bits), what);
            } else {
                assertEquals(Float.floatToRawIntBits((float) referenceValue(h)), Float.floatToRawIntBits(f), what);
                assertEquals(referenceValue(h), f, 0.0, what + ": the float is the half's exact value");
                assertTrue(Half.isFinite(bits), what);
            }
            assertEquals(bits, Half.fromFloat(f), what + " round trip");
        }
    }

    @Test
    void randomFloatsRoundToNearestEvenLikeTheReference() {
        SplittableRandom rnd = new SplittableRandom(16);
        for (int i = 0; i < RANDOM_BITS; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (!Float.isNaN(f)) {
                assertConverts(f);
            }
        }
        // most random bit patterns are far outside fp16's range; these cover it, subnormals and overflow included
        for (int i = 0; i < RANDOM_IN_RANGE; i++) {
            int exp = 127 + rnd.nextInt(-27, 18);
            int bits = (rnd.nextBoolean() ? 0x80000000 : 0) | exp << 23 | rnd.nextInt(1 << 23);
            assertConverts(Float.intBitsToFloat(bits));
        }
    }

    @Test
    void tiesBetweenNeighbouringHalvesGoToTheEvenOne() {
        for (int h = 0; h < 0x7c00; h++) {
            // the midpoint has 12 significant bits, so the float holds it exactly
            float mid = (float) ((referenceValue(h) + referenceValue(h + 1)) / 2);
            for (float f : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                assertConverts(f);
                assertConverts(-f);
            }
            short expected = (short) ((h & 1) == 0 ? h : h + 1);
            assertEquals(expected, Half.fromFloat(mid), "tie above half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void edgesOfTheRange() {
        float[][] cases = {
            {65504f, 0x7bff}, {Math.nextDown(65520f), 0x7bff}, {65520f, 0x7c00}, {Float.MAX_VALUE, 0x7c00},
            {Float.POSITIVE_INFINITY, 0x7c00}, {0x1p-14f, 0x0400}, {0x1p-24f, 0x0001}, {0x1p-25f, 0},
            {Math.nextUp(0x1p-25f), 0x0001}, {1.5f * 0x1p-24f, 0x0002}, {Float.MIN_VALUE, 0}, {0f, 0},
            {-0f, 0x8000}, {Float.NEGATIVE_INFINITY, 0xfc00}, {-65504f, 0xfbff}, {1f, 0x3c00}, {-2f, 0xc000},
            {0.1f, 0x2e66},
        };
        for (float[] c : cases) {
            assertEquals((short) (int) c[1], Half.fromFloat(c[0]), "fromFloat(" + c[0] + ")");
            assertConverts(c[0]);
        }
        assertEquals(65504f, Half.MAX_VALUE);
        assertEquals(Half.MAX_VALUE, Half.toFloat((short) 0x7bff));
    }

    @Test
    void nansStayNaNsWithTheirSign() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int i = 0; i < 100_000; i++) {
            int bits = (rnd.nextBoolean() ? 0x80000000 : 0) | 0x7f800000 | (1 + rnd.nextInt(0x7fffff));
            short h = Half.fromFloat(Float.intBitsToFloat(bits));
            assertFalse(Half.isFinite(h));
            assertTrue(Float.isNaN(Half.toFloat(h)), Integer.toHexString(bits));
            assertEquals(bits < 0, h < 0, Integer.toHexString(bits));
        }
    }

    /** JDK 20+ has the conversions built in; on JDK 17 this test is skipped. */
    @Test
    void agreesWithTheJdkWhereItHasFloat16() throws ReflectiveOperationException {
        Method toFloat;
        Method fromFloat;
        try {
            toFloat = Float.class.getMethod("float16ToFloat", short.class);
            fromFloat = Float.class.getMethod("floatToFloat16", float.class);
        } catch (NoSuchMethodException e) {
            Assumptions.abort("Float.float16ToFloat needs JDK 20+, this is " + Runtime.version());
            return;
        }
        for (int h = 0; h < 1 << 16; h++) {
            float jdk = (float) toFloat.invoke(null, (short) h);
            float ours = Half.toFloat((short) h);
            if (Float.isNaN(jdk)) {
                // the JDK may quieten a signalling NaN (x86's vcvtph2ps does); NaN-ness is what must agree
                assertTrue(Float.isNaN(ours), "half 0x" + Integer.toHexString(h));
            } else {
                assertEquals(Float.floatToRawIntBits(jdk), Float.floatToRawIntBits(ours), "half 0x"
                        + Integer.toHexString(h));
            }
        }
        SplittableRandom rnd = new SplittableRandom(18);
        for (int i = 0; i < RANDOM_IN_RANGE; i++) {
            float f = i % 2 == 0 ? Float.intBitsToFloat(rnd.nextInt())
                    : Float.intBitsToFloat((127 + rnd.nextInt(-27, 18)) << 23 | rnd.nextInt(1 << 23));
            if (Float.isNaN(f)) {
                continue;
            }
            short jdk = (short) fromFloat.invoke(null, f);
            assertEquals(jdk, Half.fromFloat(f), "fromFloat(" + f + ")");
        }
    }
}

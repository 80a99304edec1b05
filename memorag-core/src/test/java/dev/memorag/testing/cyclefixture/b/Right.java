package dev.memorag.testing.cyclefixture.b;

import dev.memorag.testing.cyclefixture.a.Left;

/** The other half of the deliberate package cycle of {@link Left}. */
public final class Right {
    private Right() {
    }

    public static Right make() {
        return new Right();
    }

    public static Object left() {
        return Left.right();
    }
}

package dev.memorag.testing.cyclefixture.a;

import dev.memorag.testing.cyclefixture.b.Right;

/** Half of a deliberate package cycle, so that the architecture test shows {@code PackageGraph} detects one. */
public final class Left {
    private Left() {
    }

    public static Right right() {
        return Right.make();
    }
}

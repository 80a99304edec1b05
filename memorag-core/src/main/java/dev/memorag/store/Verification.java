package dev.memorag.store;

/**
 * How much {@link SaveDirectory#open} checks before returning.
 *
 * <p>Thread-safety: immutable.
 */
public enum Verification {
    /** Check every listed file's existence, size and sha256 when opening (the default). */
    FULL,
    /**
     * Check existence and size when opening; check each file's sha256 the first time it is {@linkplain
     * SaveDirectory#resolve resolved}. For large saves of which only parts are read.
     */
    LAZY
}

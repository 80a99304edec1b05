package dev.memorag.pipeline;

/**
 * What {@code memorize} does when the pipeline, or the target save directory, already holds a memory.
 *
 * <p>Thread-safety: immutable.
 */
public enum MemorizeMode {
    /** Refuse with {@link dev.memorag.error.StateException} (the default): replacing a memory is never silent. */
    FAIL_IF_PRESENT,
    /** Discard the held memory and the save directory's previous content, once the new save has succeeded. */
    REPLACE
}

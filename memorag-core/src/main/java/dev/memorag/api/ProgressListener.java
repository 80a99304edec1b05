package dev.memorag.api;

/**
 * Receives progress of a long operation (memorising, embedding, downloading). {@code total} is -1 when unknown.
 *
 * <p>Thread-safety: may be called from worker threads; implementations must be thread-safe if shared.
 */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = (stage, done, total) -> { };

    /**
     * @param stage a short stage name such as {@code "embed"}, {@code "memorize"} or {@code "download model.safetensors"}
     * @param done units done so far (tokens, chunks, bytes)
     * @param total total units, or -1 when unknown
     */
    void onProgress(String stage, long done, long total);
}

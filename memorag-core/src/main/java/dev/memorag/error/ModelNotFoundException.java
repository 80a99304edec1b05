package dev.memorag.error;

/**
 * Thrown when a model reference cannot be resolved to local files (and downloading was not allowed or failed to find it).
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class ModelNotFoundException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    public ModelNotFoundException(String message) {
        super(message);
    }

    public ModelNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.memorag.error;

/**
 * Thrown when a long operation stops because its caller cancelled it.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class CancelledException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    public CancelledException(String message) {
        super(message);
    }

    public CancelledException(String message, Throwable cause) {
        super(message, cause);
    }
}

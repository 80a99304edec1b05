package dev.memorag.error;

/**
 * Thrown when an argument, a configuration value or user-supplied text is unusable (empty, out of range, malformed).
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class InvalidInputException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.memorag.error;

/**
 * Thrown when an operation is called in a state that does not allow it: a query before anything was memorised, a closed resource, a concurrent writer holding a lock.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class StateException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    public StateException(String message) {
        super(message);
    }

    public StateException(String message, Throwable cause) {
        super(message, cause);
    }
}

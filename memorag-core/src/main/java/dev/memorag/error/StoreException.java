package dev.memorag.error;

/**
 * Thrown when an external store (a database holding a chunk index) fails. {@link #retryable()} tells a server that is
 * unreachable or restarting (retry the same call later) from a rejected statement or a lost transaction (retrying
 * cannot help). Messages name the store by its URL, never with a password.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class StoreException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    public StoreException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether the same call may succeed when repeated later (the server was unreachable or shutting down). */
    public boolean retryable() {
        return retryable;
    }
}

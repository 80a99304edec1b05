package dev.memorag.error;

/**
 * Thrown when a text generator fails. Remote generators set {@link #statusCode()} (the HTTP status, or -1 for a network
 * failure) and {@link #retryable()} so callers can tell a rate limit from a rejected request.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class GenerationException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final boolean retryable;

    public GenerationException(String message) {
        this(message, -1, false, null);
    }

    public GenerationException(String message, Throwable cause) {
        this(message, -1, false, cause);
    }

    public GenerationException(String message, int statusCode, boolean retryable, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
        this.retryable = retryable;
    }

    /** The HTTP status code of the failed call, or -1 when there was none (network error, local model). */
    public int statusCode() {
        return statusCode;
    }

    /** Whether repeating the same call may succeed (rate limits, server errors, network failures). */
    public boolean retryable() {
        return retryable;
    }
}

package dev.memorag.error;

/**
 * Thrown when an explicit download from a model hub fails (HTTP error, checksum mismatch, interrupted transfer that cannot resume).
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class DownloadException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    public DownloadException(String message) {
        super(message);
    }

    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}

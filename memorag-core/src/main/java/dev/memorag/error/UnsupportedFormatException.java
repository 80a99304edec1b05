package dev.memorag.error;

/**
 * Thrown when a file or model is well-formed but of a kind this version cannot read: an unknown format version, an unsupported model family or dtype.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class UnsupportedFormatException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    public UnsupportedFormatException(String message) {
        super(message);
    }

    public UnsupportedFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

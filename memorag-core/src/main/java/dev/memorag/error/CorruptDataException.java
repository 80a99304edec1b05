package dev.memorag.error;

/**
 * Thrown when a file's content is damaged: a bad magic header, a truncated file, a checksum mismatch, an inconsistent header.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class CorruptDataException extends StorageException {
    private static final long serialVersionUID = 1L;

    public CorruptDataException(String message) {
        super(message);
    }

    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}

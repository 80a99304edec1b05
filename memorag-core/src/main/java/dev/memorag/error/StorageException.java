package dev.memorag.error;

/**
 * Thrown when reading or writing files fails below the format: a missing permission, a full disk, an I/O error, a
 * lock that cannot be taken. The one type for every I/O failure of saves, indexes, caches and model files; damaged
 * content is its subclass {@link CorruptDataException}.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class StorageException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.memorag.error;

/**
 * Root of the library's single unchecked exception family. Every failure the library reports is a subclass, and every
 * message names what was wrong: the file, the field and the offending value where they apply.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class MemoRagException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MemoRagException(String message) {
        super(message);
    }

    public MemoRagException(String message, Throwable cause) {
        super(message, cause);
    }
}

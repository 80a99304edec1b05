package dev.memorag.error;

/**
 * Thrown when model files are readable but inconsistent or unusable: missing config fields, shape-mismatched weights, token ids outside the vocabulary, inputs past the model's position limit.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class ModelException extends MemoRagException {
    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}

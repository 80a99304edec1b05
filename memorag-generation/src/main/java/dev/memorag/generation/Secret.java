package dev.memorag.generation;

import dev.memorag.error.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret string (an API key, a bearer token) that never shows itself: {@link #toString()} is masked, and
 * {@link #redact(String)} scrubs it from any text (server error messages, log lines) before that text leaves the
 * library.
 *
 * <p>Thread-safety: immutable.
 */
public final class Secret {
    /** What a secret is replaced with wherever it would otherwise appear. */
    public static final String MASK = "***";

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /**
     * Wraps {@code value}.
     *
     * @param what names the secret in the error message when it is blank (for example {@code "OPENAI_API_KEY"})
     */
    public static Secret of(String value, String what) {
        Objects.requireNonNull(what, "what");
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(what + " must not be blank");
        }
        return new Secret(value.strip());
    }

    /** The secret itself, for the one place that must send it (an HTTP header). */
    String reveal() {
        return value;
    }

    /** Whether {@code candidate} equals the secret, compared in constant time. */
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8),
                candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code text} with every occurrence of the secret replaced by {@link #MASK}; null stays null. */
    public String redact(String text) {
        return text == null ? null : text.replace(value, MASK);
    }

    @Override
    public String toString() {
        return MASK;
    }
}

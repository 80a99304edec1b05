package dev.memorag.api;

import dev.memorag.error.InvalidInputException;
import java.util.Objects;

/**
 * A source text to memorise, with a caller-chosen id (used to remove or update it later).
 *
 * <p>Thread-safety: immutable.
 *
 * @param id non-empty document id, unique within a memory
 * @param text the full text
 */
public record Document(String id, String text) {
    public Document {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        if (id.isBlank()) {
            throw new InvalidInputException("Document.id must not be blank");
        }
    }
}

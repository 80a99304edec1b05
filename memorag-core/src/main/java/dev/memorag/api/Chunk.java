package dev.memorag.api;

import dev.memorag.error.InvalidInputException;
import java.util.Objects;

/**
 * A piece of a source document used as a retrieval unit.
 *
 * <p>{@code start}/{@code end} are character offsets (UTF-16 indices, end exclusive) into the source document identified
 * by {@code documentId}; {@code text} is that span, possibly trimmed of surrounding whitespace. {@code tokenCount} is
 * counted with the library's token counter (cl100k by default).
 *
 * <p>Thread-safety: immutable.
 *
 * @param id unique chunk id within a memory (for example {@code "doc-1#12"})
 * @param documentId the id of the document this chunk was cut from
 * @param text the chunk text
 * @param start first character offset (inclusive) in the source document
 * @param end last character offset (exclusive) in the source document
 * @param tokenCount number of tokens in {@code text}
 */
public record Chunk(String id, String documentId, String text, int start, int end, int tokenCount) {
    public Chunk {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(documentId, "documentId");
        Objects.requireNonNull(text, "text");
        if (id.isEmpty()) {
            throw new InvalidInputException("Chunk.id must not be empty");
        }
        if (start < 0 || end < start) {
            throw new InvalidInputException("Chunk " + id + ": invalid offsets start=" + start + " end=" + end);
        }
        if (tokenCount < 0) {
            throw new InvalidInputException("Chunk " + id + ": tokenCount must be >= 0, was " + tokenCount);
        }
    }
}

package dev.memorag.retrieval.graph;

import dev.memorag.api.Chunk;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of extracting entities and triples from one chunk.
 *
 * <p>Thread-safety: immutable.
 *
 * @param chunk the chunk
 * @param status how extraction went
 * @param entities named entities (empty on failure)
 * @param triples triples (empty on failure)
 * @param attempts generator calls made, retries included
 * @param message why it failed or what was repaired or dropped; empty when everything was clean
 */
public record ExtractionResult(Chunk chunk, Status status, List<String> entities, List<Triple> triples, int attempts,
        String message) {
    /** Extraction status of one chunk. */
    public enum Status {
        /** Both steps returned valid JSON. */
        OK,
        /** Succeeded after repairing truncated JSON or dropping malformed entries (see the message). */
        REPAIRED,
        /** No usable output after all retries; the chunk has no facts. */
        FAILED
    }

    public ExtractionResult {
        Objects.requireNonNull(chunk, "chunk");
        Objects.requireNonNull(status, "status");
        entities = List.copyOf(entities);
        triples = List.copyOf(triples);
        Objects.requireNonNull(message, "message");
    }

    /** As graph input. */
    public PassageExtraction toPassage() {
        return new PassageExtraction(chunk, entities, triples);
    }
}

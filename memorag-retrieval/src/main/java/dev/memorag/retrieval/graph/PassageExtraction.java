package dev.memorag.retrieval.graph;

import dev.memorag.api.Chunk;
import java.util.List;
import java.util.Objects;

/**
 * What was extracted from one passage: its named entities and triples (raw, as the extractor produced them).
 *
 * <p>Thread-safety: immutable.
 *
 * @param passage the passage
 * @param entities named entities (informational; graph phrases come from the triples)
 * @param triples extracted triples; invalid ones are dropped (and reported) when inserted
 */
public record PassageExtraction(Chunk passage, List<String> entities, List<Triple> triples) {
    public PassageExtraction {
        Objects.requireNonNull(passage, "passage");
        entities = List.copyOf(entities);
        triples = List.copyOf(triples);
    }
}

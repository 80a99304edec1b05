package dev.memorag.retrieval.graph;

import dev.memorag.api.Chunk;
import dev.memorag.api.ProgressListener;
import java.util.List;

/**
 * Produces entities and triples for chunks: an LLM ({@link LlmTripleExtractor}) or precomputed results
 * ({@link PrecomputedExtractions}).
 *
 * <p>Thread-safety: implementations document their own.
 */
public interface TripleExtractor {
    /** One result per chunk, in order; failures are results with status FAILED, never exceptions or silent empties. */
    List<ExtractionResult> extract(List<Chunk> chunks, ProgressListener progress);
}

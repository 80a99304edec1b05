package dev.memorag.pipeline;

/**
 * How the union of chunks retrieved for several queries is ordered before it is given to the generator.
 *
 * <p>Thread-safety: immutable.
 */
public enum EvidenceOrder {
    /** By position in the memorised text: document order, then start offset (MemoRAG's behaviour, the default). */
    DOCUMENT_POSITION,
    /** By reciprocal-rank fusion over the queries (best first); ties broken by document position. */
    FUSED_SCORE
}

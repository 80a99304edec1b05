package dev.memorag.api;

/**
 * What a query asks the pipeline to do.
 *
 * <p>Thread-safety: immutable.
 */
public enum TaskType {
    /** MemoRAG proper: memory produces clues, clues retrieve evidence, the generator answers from the evidence. */
    MEMORY_QA,
    /** The memory model answers from its compressed memory alone, with no retrieval. */
    MEMORY_ONLY_QA,
    /** Memory lists key points, each key point retrieves evidence, the generator summarises the evidence. */
    SUMMARIZE,
    /** Plain retrieval-augmented generation with the query alone (no memory): a baseline. */
    RAG
}

/**
 * The parts of the {@link dev.memorag.MemoRAG} pipeline: clue filtering ({@link dev.memorag.pipeline.ClueFilter}),
 * multi-query retrieval ({@link dev.memorag.pipeline.MultiQueryRetrieval}), fitting evidence to a generator's window
 * ({@link dev.memorag.pipeline.EvidenceFitter}), per-query options and results, input validation, and the pipeline's
 * save-directory payload ({@link dev.memorag.pipeline.PipelineStore}). They see only the core contracts, never the
 * modules that implement them.
 */
package dev.memorag.pipeline;

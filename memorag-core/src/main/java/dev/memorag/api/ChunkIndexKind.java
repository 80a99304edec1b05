package dev.memorag.api;

/**
 * The retrieval methods a {@link ChunkIndex} can implement; the name is stored in saved indexes.
 *
 * <p>Thread-safety: immutable.
 */
public enum ChunkIndexKind {
    /** Dense vectors, exact or HNSW search. */
    DENSE,
    /** Lexical BM25. */
    BM25,
    /** Fusion of dense and lexical. */
    HYBRID,
    /** HippoRAG-2 knowledge graph with Personalized PageRank. */
    GRAPH,
    /** Dense or hybrid retrieval over chunks kept in a PostgreSQL + pgvector store (module memorag-pgvector). */
    PGVECTOR
}

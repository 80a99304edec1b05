package dev.memorag.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A searchable collection of chunks: it owns the chunks (with offsets), whatever it derives from them (vectors, term
 * statistics, a graph), and its own persistence. Dense, BM25, hybrid and graph retrieval all implement it, so the
 * pipeline can index, retrieve, save and reload without knowing which one it holds.
 *
 * <p>Thread-safety: concurrent {@link #retrieve} calls are safe; {@link #add}, {@link #removeDocuments} and
 * {@link #save} must not overlap with other calls unless the implementation documents otherwise.
 */
public interface ChunkIndex extends Retriever, AutoCloseable {

    /** Indexes {@code chunks} (ids must be new), reporting progress in chunks. */
    void add(List<Chunk> chunks, ProgressListener progress);

    /** Removes every chunk of the given documents; unknown ids are ignored. Returns the number of chunks removed. */
    int removeDocuments(Collection<String> documentIds);

    /** All chunks held, in insertion order. */
    List<Chunk> chunks();

    /**
     * Writes the index into {@code directory} (empty, created by the caller), including a small JSON descriptor
     * naming its {@link ChunkIndexKind kind} so that {@link dev.memorag.spi.ChunkIndexProvider} can reload it.
     */
    void save(Path directory);

    /** A short description for manifests and logs, e.g. {@code "dense(bge-small-en-v1.5-q, flat)"}. */
    String describe();

    /** Retrieves for several queries at once (implementations batch the embedding); result i belongs to query i. */
    default List<List<Hit>> retrieveAll(List<String> queries, int k) {
        List<List<Hit>> out = new ArrayList<>(queries.size());
        for (String q : queries) {
            out.add(retrieve(q, k));
        }
        return out;
    }

    /** Releases native resources; idempotent. */
    @Override
    default void close() {
    }
}

package dev.memorag.retrieval.chunks;

import ai.djl.Device;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.VectorIndex;
import dev.memorag.retrieval.index.FlatIndex;
import dev.memorag.retrieval.index.HnswIndex;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which vector index a dense chunk index uses; the name is stored in saved indexes.
 *
 * <p>Thread-safety: immutable.
 */
public enum VectorIndexType {
    /** Exact inner product (default). */
    FLAT,
    /** Lucene HNSW, approximate, for large corpora. */
    HNSW;

    VectorIndex create(int dimension) {
        return this == FLAT ? new FlatIndex(dimension, FlatIndex.device("auto")) : HnswIndex.builder(dimension).build();
    }

    VectorIndex load(Path dir) {
        return this == FLAT ? FlatIndex.load(dir, FlatIndex.device("auto")) : HnswIndex.load(dir);
    }

    /** Parses {@code flat} or {@code hnsw}. */
    public static VectorIndexType parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidInputException("vector index must be flat or hnsw, was '" + s + "'");
        }
    }
}

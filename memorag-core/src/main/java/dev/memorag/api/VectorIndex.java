package dev.memorag.api;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * Nearest-neighbour search by inner product over vectors of a fixed dimension.
 *
 * <p>Thread-safety: searches may run concurrently with each other; mutations ({@link #add}, {@link #remove}) must not
 * overlap with any other call unless the implementation documents otherwise.
 */
public interface VectorIndex extends AutoCloseable {

    /** Adds vectors with caller-assigned ids ({@code ids.length == vectors.length}); ids must be new. */
    void add(long[] ids, float[][] vectors);

    /** The {@code k} best matches for {@code query}, best first. */
    List<ScoredId> search(float[] query, int k);

    /** Removes the given ids; unknown ids are ignored. */
    void remove(Collection<Long> ids);

    /** Number of vectors held. */
    int size();

    /** Vector dimension. */
    int dimension();

    /**
     * Writes the index into {@code directory} (its own files, inside a save directory being written). The directory
     * exists and is empty of this index's files.
     */
    void save(Path directory);

    /** Releases native resources; idempotent. */
    @Override
    default void close() {
    }
}

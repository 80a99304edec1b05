package dev.memorag.retrieval.chunks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.ScoredId;
import dev.memorag.retrieval.index.IndexDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Shared machinery of the library's chunk indexes: the {@link ChunkStore}, locking, the JSON descriptor and argument
 * checks. Subclasses supply the scoring.
 *
 * <p>Thread-safety: retrievals run concurrently; mutations and saves take an exclusive lock.
 */
abstract class AbstractChunkIndex implements ChunkIndex {
    static final String DESCRIPTOR = "chunk-index.json";
    static final String FORMAT = "memorag-chunk-index";
    static final int VERSION = 2;
    static final String VECTORS_DIR = "vectors";

    final ChunkStore store;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    AbstractChunkIndex(ChunkStore store) {
        this.store = store;
    }

    abstract ChunkIndexKind kind();

    /** Indexes newly stored chunks. */
    abstract void addSlots(long[] slots, List<Chunk> chunks, ProgressListener progress);

    abstract void removeSlots(List<Long> slots);

    /** Top-k slots for each query. */
    abstract List<List<ScoredId>> search(List<String> queries, int k);

    /** Adds index-specific descriptor fields and files. */
    abstract void saveParts(Path dir, ObjectNode descriptor);

    abstract void closeParts();

    @Override
    public void add(List<Chunk> chunks, ProgressListener progress) {
        Objects.requireNonNull(chunks, "chunks");
        Objects.requireNonNull(progress, "progress");
        lock.writeLock().lock();
        try {
            checkOpen();
            long[] slots = store.add(chunks);
            try {
                addSlots(slots, chunks, progress);
            } catch (RuntimeException e) {
                store.removeSlots(slots);
                throw e;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public int removeDocuments(Collection<String> documentIds) {
        lock.writeLock().lock();
        try {
            checkOpen();
            List<Long> slots = store.removeDocuments(documentIds);
            if (!slots.isEmpty()) {
                removeSlots(slots);
            }
            return slots.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public List<Chunk> chunks() {
        lock.readLock().lock();
        try {
            return store.chunks();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<Hit> retrieve(String query, int k) {
        return retrieveAll(List.of(query), k).get(0);
    }

    @Override
    public List<List<Hit>> retrieveAll(List<String> queries, int k) {
        Objects.requireNonNull(queries, "queries");
        if (k <= 0) {
            throw new InvalidInputException("k must be > 0, was " + k);
        }
        for (int i = 0; i < queries.size(); i++) {
            if (queries.get(i) == null || queries.get(i).isBlank()) {
                throw new InvalidInputException("query " + i + " is empty");
            }
        }
        lock.readLock().lock();
        try {
            checkOpen();
            List<List<Hit>> out = new ArrayList<>(queries.size());
            if (store.size() == 0) {
                queries.forEach(q -> out.add(List.of()));
                return out;
            }
            for (List<ScoredId> hits : search(queries, k)) {
                List<Hit> h = new ArrayList<>(hits.size());
                for (ScoredId s : hits) {
                    h.add(new Hit(store.get(s.id()), s.score()));
                }
                out.add(h);
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void save(Path directory) {
        lock.readLock().lock();
        try {
            checkOpen();
            Files.createDirectories(directory);
            ObjectNode d = IndexDescriptor.create(FORMAT, VERSION);
            d.put("kind", kind().name());
            d.put("count", store.size());
            saveParts(directory, d);
            store.save(directory);
            IndexDescriptor.write(directory.resolve(DESCRIPTOR), d);
        } catch (IOException e) {
            throw new StorageException("cannot create " + directory + ": " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Writes the embedder's identity into the descriptor. */
    static void putEmbedder(ObjectNode d, Embedder embedder) {
        ObjectNode e = d.putObject("embedder");
        e.put("id", embedder.id());
        e.put("dimension", embedder.dimension());
    }

    /** Reads and validates a descriptor of {@code kind}. */
    static JsonNode readDescriptor(Path directory, ChunkIndexKind kind) {
        Path file = directory.resolve(DESCRIPTOR);
        JsonNode d = IndexDescriptor.read(file, FORMAT, VERSION);
        String k = IndexDescriptor.textField(d, file, "kind");
        if (!kind.name().equals(k)) {
            throw new CorruptDataException(file + ": field 'kind' is '" + k + "', expected '" + kind.name() + "'");
        }
        return d;
    }

    /** Fails, before anything is loaded, when {@code embedder} is not the one the index was built with. */
    static void checkEmbedder(Path directory, JsonNode d, Embedder embedder) {
        Objects.requireNonNull(embedder, "embedder");
        Path file = directory.resolve(DESCRIPTOR);
        JsonNode e = d.get("embedder");
        if (e == null) {
            throw new CorruptDataException(file + ": field 'embedder' is missing");
        }
        String id = IndexDescriptor.textField(e, file, "id");
        int dim = IndexDescriptor.intField(e, file, "dimension");
        if (dim != embedder.dimension()) {
            throw new ModelException(file + ": index was built with embedder '" + id + "' of dimension " + dim
                    + ", but the embedder given has dimension " + embedder.dimension() + " ('" + embedder.id()
                    + "'); the index was not changed");
        }
        if (!id.equals(embedder.id())) {
            throw new ModelException(file + ": index was built with embedder '" + id + "', but the embedder given is '"
                    + embedder.id() + "'; re-index or pass the same embedder (the index was not changed)");
        }
    }

    void checkOpen() {
        if (closed) {
            throw new StateException(describe() + " is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                closeParts();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}

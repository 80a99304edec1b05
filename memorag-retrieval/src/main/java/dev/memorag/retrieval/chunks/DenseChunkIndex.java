package dev.memorag.retrieval.chunks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.ScoredId;
import dev.memorag.retrieval.index.IndexDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Dense retrieval over chunks: chunk (and {@link SubWindows sub-window}) embeddings in a flat or HNSW index, a chunk
 * scoring as its best vector. Saved as {@code chunk-index.json}, {@code chunks.jsonl} and {@code vectors/}.
 *
 * <p>Thread-safety: concurrent retrievals are safe; mutations and saves are exclusive. The embedder is not closed by
 * this index.
 */
public final class DenseChunkIndex extends AbstractChunkIndex {
    private final DenseSearcher dense;

    private DenseChunkIndex(ChunkStore store, DenseSearcher dense) {
        super(store);
        this.dense = dense;
    }

    /** A builder for an empty index using {@code embedder}. */
    public static Builder builder(Embedder embedder) {
        return new Builder(embedder);
    }

    /** Reloads a saved index; fails without touching the files when {@code embedder} differs from the saved one. */
    public static DenseChunkIndex load(Path directory, Embedder embedder) {
        JsonNode d = readDescriptor(directory, ChunkIndexKind.DENSE);
        checkEmbedder(directory, d, embedder);
        ChunkStore store = ChunkStore.load(directory);
        DenseSearcher s = loadDense(directory, d, embedder, store);
        return new DenseChunkIndex(store, s);
    }

    static DenseSearcher loadDense(Path directory, JsonNode d, Embedder embedder, ChunkStore store) {
        Path file = directory.resolve(DESCRIPTOR);
        VectorIndexType type = VectorIndexType.parse(IndexDescriptor.textField(d, file, "vector_index"));
        JsonNode w = d.get("windows");
        SubWindows windows = w == null || w.isNull() ? SubWindows.NONE
                : new SubWindows(IndexDescriptor.intField(w, file, "min_tokens"),
                        IndexDescriptor.intField(w, file, "window_tokens"),
                        IndexDescriptor.intField(w, file, "step_tokens"));
        DenseSearcher s = new DenseSearcher(embedder, type, windows, type.load(directory.resolve(VECTORS_DIR)));
        try {
            s.restore(store.entries().keySet());
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    static void saveDense(DenseSearcher dense, Path dir, ObjectNode d) {
        putEmbedder(d, dense.embedder);
        d.put("vector_index", dense.type.name().toLowerCase(java.util.Locale.ROOT));
        if (dense.windows.equals(SubWindows.NONE)) {
            d.putNull("windows");
        } else {
            ObjectNode w = d.putObject("windows");
            w.put("min_tokens", dense.windows.minTokens());
            w.put("window_tokens", dense.windows.windowTokens());
            w.put("step_tokens", dense.windows.stepTokens());
        }
        try {
            Path v = dir.resolve(VECTORS_DIR);
            Files.createDirectories(v);
            dense.save(v);
        } catch (IOException e) {
            throw new StorageException("cannot create " + dir.resolve(VECTORS_DIR) + ": " + e.getMessage(), e);
        }
    }

    @Override
    ChunkIndexKind kind() {
        return ChunkIndexKind.DENSE;
    }

    @Override
    void addSlots(long[] slots, List<Chunk> chunks, ProgressListener progress) {
        dense.add(slots, chunks, progress);
    }

    @Override
    void removeSlots(List<Long> slots) {
        dense.remove(slots);
    }

    @Override
    List<List<ScoredId>> search(List<String> queries, int k) {
        float[][] q = dense.embedder.embed(queries, EmbedPurpose.QUERY);
        List<List<ScoredId>> out = new ArrayList<>();
        for (float[] v : q) {
            out.add(dense.search(v, k));
        }
        return out;
    }

    @Override
    void saveParts(Path dir, ObjectNode d) {
        saveDense(dense, dir, d);
    }

    @Override
    void closeParts() {
        dense.close();
    }

    @Override
    public String describe() {
        return "dense(" + dense.embedder.id() + ", " + dense.type.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    /**
     * Options: flat index and {@link SubWindows#DEFAULT} windows unless set.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private final Embedder embedder;
        private VectorIndexType type = VectorIndexType.FLAT;
        private SubWindows windows = SubWindows.DEFAULT;

        private Builder(Embedder embedder) {
            this.embedder = Objects.requireNonNull(embedder, "embedder");
        }

        public Builder vectorIndex(VectorIndexType type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        public Builder windows(SubWindows windows) {
            this.windows = Objects.requireNonNull(windows, "windows");
            return this;
        }

        public DenseChunkIndex build() {
            return new DenseChunkIndex(new ChunkStore(),
                    DenseSearcher.empty(embedder, type, windows));
        }
    }
}

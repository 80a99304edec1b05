package dev.memorag.retrieval.chunks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.ScoredId;
import dev.memorag.retrieval.index.IndexDescriptor;
import dev.memorag.retrieval.lexical.Bm25Index;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Dense + BM25 retrieval fused per {@link HybridFusion} (z-score fusion with dense weight 0.7 by default). Saved like
 * {@link DenseChunkIndex} plus the fusion settings; the BM25 part is rebuilt from the chunk store on load.
 *
 * <p>Thread-safety: concurrent retrievals are safe; mutations and saves are exclusive. The embedder is not closed by
 * this index.
 */
public final class HybridChunkIndex extends AbstractChunkIndex {
    private final DenseSearcher dense;
    private final Bm25Index bm25 = new Bm25Index();
    private final HybridFusion fusion;

    private HybridChunkIndex(ChunkStore store, DenseSearcher dense, HybridFusion fusion) {
        super(store);
        this.dense = dense;
        this.fusion = fusion;
    }

    /** A builder for an empty index using {@code embedder}. */
    public static Builder builder(Embedder embedder) {
        return new Builder(embedder);
    }

    /** Reloads a saved index; fails without touching the files when {@code embedder} differs from the saved one. */
    public static HybridChunkIndex load(Path directory, Embedder embedder) {
        JsonNode d = readDescriptor(directory, ChunkIndexKind.HYBRID);
        checkEmbedder(directory, d, embedder);
        Path file = directory.resolve(DESCRIPTOR);
        JsonNode f = d.get("fusion");
        if (f == null) {
            throw new dev.memorag.error.CorruptDataException(file + ": field 'fusion' is missing");
        }
        HybridFusion fusion;
        try {
            fusion = new HybridFusion(
                    HybridFusion.Method.valueOf(IndexDescriptor.textField(f, file, "method").toUpperCase(Locale.ROOT)),
                    f.path("dense_weight").asDouble(Double.NaN), IndexDescriptor.intField(f, file, "depth"),
                    IndexDescriptor.intField(f, file, "rrf_k"));
        } catch (IllegalArgumentException e) {
            throw new dev.memorag.error.CorruptDataException(file + ": bad field 'fusion': " + e.getMessage(), e);
        }
        ChunkStore store = ChunkStore.load(directory);
        HybridChunkIndex index = new HybridChunkIndex(store, DenseChunkIndex.loadDense(directory, d, embedder, store),
                fusion);
        Bm25ChunkIndex.reindex(store, index.bm25);
        return index;
    }

    @Override
    ChunkIndexKind kind() {
        return ChunkIndexKind.HYBRID;
    }

    /** The fusion settings. */
    public HybridFusion fusion() {
        return fusion;
    }

    @Override
    void addSlots(long[] slots, List<Chunk> chunks, ProgressListener progress) {
        dense.add(slots, chunks, progress);
        try {
            bm25.add(slots, chunks.stream().map(Chunk::text).toList());
        } catch (RuntimeException e) {
            dense.remove(java.util.Arrays.stream(slots).boxed().toList());
            throw e;
        }
    }

    @Override
    void removeSlots(List<Long> slots) {
        dense.remove(slots);
        bm25.remove(slots);
    }

    @Override
    List<List<ScoredId>> search(List<String> queries, int k) {
        float[][] vectors = dense.embedder.embed(queries, EmbedPurpose.QUERY);
        List<List<ScoredId>> out = new ArrayList<>(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            out.add(fuse(queries.get(i), vectors[i], k));
        }
        return out;
    }

    private List<ScoredId> fuse(String query, float[] vector, int k) {
        int depth = Math.max(fusion.depth(), k);
        return fusion.fuse(dense.search(vector, depth), bm25.search(query, depth), k, store.size(), ids -> {
            Map<Long, Float> m = new HashMap<>();
            ids.forEach(id -> m.put(id, dense.score(vector, id)));
            return m;
        }, ids -> bm25.scores(query, ids));
    }

    @Override
    void saveParts(Path dir, ObjectNode d) {
        DenseChunkIndex.saveDense(dense, dir, d);
        ObjectNode f = d.putObject("fusion");
        f.put("method", fusion.method().name().toLowerCase(Locale.ROOT));
        f.put("dense_weight", fusion.denseWeight());
        f.put("depth", fusion.depth());
        f.put("rrf_k", fusion.rrfK());
    }

    @Override
    void closeParts() {
        dense.close();
        bm25.close();
    }

    @Override
    public String describe() {
        return "hybrid(" + dense.embedder.id() + ", " + dense.type.name().toLowerCase(Locale.ROOT) + ", bm25, "
                + fusion.method().name().toLowerCase(Locale.ROOT) + " w=" + fusion.denseWeight() + ")";
    }

    /**
     * Options: flat index, {@link SubWindows#DEFAULT} and {@link HybridFusion#DEFAULT} unless set.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private final Embedder embedder;
        private VectorIndexType type = VectorIndexType.FLAT;
        private SubWindows windows = SubWindows.DEFAULT;
        private HybridFusion fusion = HybridFusion.DEFAULT;

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

        public Builder fusion(HybridFusion fusion) {
            this.fusion = Objects.requireNonNull(fusion, "fusion");
            return this;
        }

        public HybridChunkIndex build() {
            return new HybridChunkIndex(new ChunkStore(),
                    DenseSearcher.empty(embedder, type, windows), fusion);
        }
    }
}

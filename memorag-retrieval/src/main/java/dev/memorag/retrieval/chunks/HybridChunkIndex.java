package dev.memorag.retrieval.chunks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.ScoredId;
import dev.memorag.pipeline.ReciprocalRankFusion;
import dev.memorag.retrieval.index.IndexDescriptor;
import dev.memorag.retrieval.lexical.Bm25Index;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
        List<ScoredId> d = dense.search(vector, depth);
        List<ScoredId> b = bm25.search(query, depth);
        Set<Long> candidates = new LinkedHashSet<>();
        d.forEach(s -> candidates.add(s.id()));
        b.forEach(s -> candidates.add(s.id()));
        double wd = fusion.denseWeight();
        double wb = 1 - wd;
        Map<Long, Double> fused = new HashMap<>();
        if (fusion.method() == HybridFusion.Method.RRF) {
            fused.putAll(new ReciprocalRankFusion<Long>(fusion.rrfK()).add(d.stream().map(ScoredId::id).toList(), wd)
                    .add(b.stream().map(ScoredId::id).toList(), wb).scores());
        } else {
            Map<Long, Float> ds = new HashMap<>();
            d.forEach(s -> ds.put(s.id(), s.score()));
            Map<Long, Float> bs = new HashMap<>();
            b.forEach(s -> bs.put(s.id(), s.score()));
            // Score every candidate exactly under both retrievers, so neither side's misses count as zero by accident.
            List<Long> missingB = candidates.stream().filter(c -> !bs.containsKey(c)).toList();
            bs.putAll(bm25.scores(query, missingB));
            // Statistics over each retriever's top `depth` scores; a BM25 list shorter than that is padded with the
            // zero scores of the non-matching chunks.
            int window = Math.min(depth, store.size());
            double[] sd = stats(d, window);
            double[] sb = stats(b, window);
            for (long c : candidates) {
                float dv = ds.containsKey(c) ? ds.get(c) : dense.score(vector, c);
                float bv = bs.getOrDefault(c, 0f);
                fused.put(c, wd * (dv - sd[0]) / sd[1] + wb * (bv - sb[0]) / sb[1]);
            }
        }
        List<ScoredId> out = new ArrayList<>(fused.size());
        fused.forEach((id, s) -> out.add(new ScoredId(id, s.floatValue())));
        out.sort((x, y) -> {
            int c = Float.compare(y.score(), x.score());
            return c != 0 ? c : Long.compare(x.id(), y.id());
        });
        return out.size() > k ? out.subList(0, k) : out;
    }

    /** Mean and standard deviation (1 when degenerate) of the top scores, zero-padded to {@code window} values. */
    private static double[] stats(List<ScoredId> top, int window) {
        int n = Math.max(window, top.size());
        if (n == 0) {
            return new double[] {0, 1};
        }
        double sum = 0;
        double sq = 0;
        for (ScoredId s : top) {
            sum += s.score();
            sq += (double) s.score() * s.score();
        }
        double mean = sum / n;
        double var = sq / n - mean * mean;
        double std = var > 1e-12 ? Math.sqrt(var) : 1;
        return new double[] {mean, std};
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

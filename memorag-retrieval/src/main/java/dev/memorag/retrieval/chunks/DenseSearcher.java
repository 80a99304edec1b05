package dev.memorag.retrieval.chunks;

import dev.memorag.error.CorruptDataException;
import dev.memorag.api.Chunk;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.ScoredId;
import dev.memorag.api.VectorIndex;
import dev.memorag.retrieval.index.VectorLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dense half of the chunk indexes: embeds chunks (and their {@link SubWindows}) into a vector index under ids
 * {@code slot * 4096 + window} and scores a chunk by the best of its vectors.
 *
 * <p>Thread-safety: searches are thread-safe; mutations are serialised by the owning index.
 */
final class DenseSearcher implements AutoCloseable {
    static final long STRIDE = SubWindows.MAX_WINDOWS + 1;

    final Embedder embedder;
    final VectorIndexType type;
    final SubWindows windows;
    final VectorIndex index;
    /** Number of vectors per slot. */
    private final Map<Long, Integer> vectorsPerSlot = new HashMap<>();

    DenseSearcher(Embedder embedder, VectorIndexType type, SubWindows windows, VectorIndex index) {
        this.embedder = embedder;
        this.type = type;
        this.windows = windows;
        this.index = index;
    }

    /** A searcher over a new, empty vector index of {@code type}. */
    static DenseSearcher empty(Embedder embedder, VectorIndexType type, SubWindows windows) {
        return new DenseSearcher(embedder, type, windows, type.create(embedder.dimension()));
    }

    void add(long[] slots, List<Chunk> chunks, ProgressListener progress) {
        List<String> texts = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        Map<Long, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < slots.length; i++) {
            Chunk c = chunks.get(i);
            texts.add(c.text());
            ids.add(slots[i] * STRIDE);
            List<String> w = windows.windows(c);
            for (int j = 0; j < w.size(); j++) {
                texts.add(w.get(j));
                ids.add(slots[i] * STRIDE + j + 1);
            }
            counts.put(slots[i], 1 + w.size());
        }
        int total = texts.size();
        float[][] vectors = embedder.embed(texts, EmbedPurpose.PASSAGE,
                (stage, done, t) -> progress.onProgress("embed", done, total));
        long[] idArr = ids.stream().mapToLong(Long::longValue).toArray();
        index.add(idArr, vectors);
        vectorsPerSlot.putAll(counts);
    }

    /** Rebuilds the slot table after loading the vector index. */
    void restore(Collection<Long> slots) {
        for (long s : slots) {
            int n = 0;
            VectorLookup lookup = (VectorLookup) index;
            while (n <= SubWindows.MAX_WINDOWS && lookup.vector(s * STRIDE + n) != null) {
                n++;
            }
            if (n == 0) {
                throw new CorruptDataException("saved vector index has no vector for chunk slot " + s);
            }
            vectorsPerSlot.put(s, n);
        }
        if (index.size() != vectorsPerSlot.values().stream().mapToInt(Integer::intValue).sum()) {
            throw new CorruptDataException("saved vector index holds " + index.size()
                    + " vectors, which does not match the chunk store");
        }
    }

    void remove(List<Long> slots) {
        List<Long> ids = new ArrayList<>();
        for (long s : slots) {
            Integer n = vectorsPerSlot.remove(s);
            for (int j = 0; n != null && j < n; j++) {
                ids.add(s * STRIDE + j);
            }
        }
        index.remove(ids);
    }

    /** The best {@code n} slots by max-over-vectors score, best first. */
    List<ScoredId> search(float[] query, int n) {
        int want = Math.min(index.size(), Math.max(n * 4, n + 32));
        LinkedHashMap<Long, Float> best = new LinkedHashMap<>();
        while (true) {
            best.clear();
            for (ScoredId s : index.search(query, Math.max(1, want))) {
                best.merge(s.id() / STRIDE, s.score(), Math::max);
            }
            if (best.size() >= n || want >= index.size()) {
                break;
            }
            want = Math.min(index.size(), want * 4);
        }
        List<ScoredId> out = new ArrayList<>();
        best.forEach((slot, score) -> out.add(new ScoredId(slot, score)));
        out.sort((a, b) -> Float.compare(b.score(), a.score()));
        return out.size() > n ? out.subList(0, n) : out;
    }

    /** The max-over-vectors score of one slot (exact, from stored vectors). */
    float score(float[] query, long slot) {
        Integer n = vectorsPerSlot.get(slot);
        float best = Float.NEGATIVE_INFINITY;
        VectorLookup lookup = (VectorLookup) index;
        for (int j = 0; n != null && j < n; j++) {
            float[] v = lookup.vector(slot * STRIDE + j);
            float s = 0;
            for (int d = 0; d < v.length; d++) {
                s += v[d] * query[d];
            }
            best = Math.max(best, s);
        }
        return best;
    }

    void save(Path dir) {
        index.save(dir);
    }

    @Override
    public void close() {
        index.close();
    }
}

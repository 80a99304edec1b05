package dev.memorag.retrieval.chunks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.ScoredId;
import dev.memorag.retrieval.lexical.Bm25Index;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lexical BM25 retrieval over chunks (k1 1.2, b 0.75, {@link dev.memorag.retrieval.lexical.WordTokenizer} terms).
 * Only the chunk store is saved; the term index is rebuilt on load (seconds even for large books).
 *
 * <p>Thread-safety: concurrent retrievals are safe; mutations and saves are exclusive.
 */
public final class Bm25ChunkIndex extends AbstractChunkIndex {
    private final Bm25Index bm25 = new Bm25Index();

    /** An empty index. */
    public Bm25ChunkIndex() {
        super(new ChunkStore());
    }

    private Bm25ChunkIndex(ChunkStore store) {
        super(store);
        reindex(store, bm25);
    }

    static void reindex(ChunkStore store, Bm25Index bm25) {
        long[] slots = new long[store.size()];
        List<String> texts = new ArrayList<>(store.size());
        int i = 0;
        for (Map.Entry<Long, Chunk> e : store.entries().entrySet()) {
            slots[i++] = e.getKey();
            texts.add(e.getValue().text());
        }
        bm25.add(slots, texts);
    }

    /** Reloads a saved index. */
    public static Bm25ChunkIndex load(Path directory) {
        readDescriptor(directory, ChunkIndexKind.BM25);
        return new Bm25ChunkIndex(ChunkStore.load(directory));
    }

    @Override
    ChunkIndexKind kind() {
        return ChunkIndexKind.BM25;
    }

    @Override
    void addSlots(long[] slots, List<Chunk> chunks, ProgressListener progress) {
        bm25.add(slots, chunks.stream().map(Chunk::text).toList());
        progress.onProgress("index", chunks.size(), chunks.size());
    }

    @Override
    void removeSlots(List<Long> slots) {
        bm25.remove(slots);
    }

    @Override
    List<List<ScoredId>> search(List<String> queries, int k) {
        List<List<ScoredId>> out = new ArrayList<>();
        for (String q : queries) {
            out.add(bm25.search(q, k));
        }
        return out;
    }

    @Override
    void saveParts(Path dir, ObjectNode descriptor) {
        descriptor.put("k1", 1.2);
        descriptor.put("b", 0.75);
    }

    @Override
    void closeParts() {
        bm25.close();
    }

    @Override
    public String describe() {
        return "bm25(k1=1.2, b=0.75)";
    }
}

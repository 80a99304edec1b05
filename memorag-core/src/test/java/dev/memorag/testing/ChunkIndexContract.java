package dev.memorag.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link ChunkIndex} contract, run by every implementation: extend it and say how to create and reload an index.
 * It checks adding (ids, offsets and insertion order kept, progress reported), retrieval (best match first, scores
 * descending, at most k, {@code retrieveAll} equal to {@code retrieve}), removing documents without a rebuild, the
 * empty index, the save / load round trip, bad input (blank queries, k &lt;= 0, repeated chunk ids, which leave the
 * index unchanged), idempotent close, and the documented thread-safety of concurrent retrievals.
 *
 * <p>The corpus is small English sentences whose queries share rare words with exactly one chunk, so lexical, dense
 * (with {@link WordHashEmbedder}), hybrid and graph retrieval all rank the same chunk first.
 *
 * <p>Thread-safety: a JUnit test class (one instance per test).
 */
public abstract class ChunkIndexContract {
    /** The embedder the contract's indexes use (64 dimensions). */
    protected static final Embedder EMBEDDER = new WordHashEmbedder("word-hash-64", 64);

    /** A new, empty index using {@code embedder}. */
    protected abstract ChunkIndex create(Embedder embedder);

    /** Reloads an index that {@link ChunkIndex#save} wrote into {@code directory}. */
    protected abstract ChunkIndex load(Path directory, Embedder embedder);

    /** Whether the index keeps vectors of {@code embedder} (reloading with another embedder must then fail). */
    protected boolean usesEmbedder() {
        return true;
    }

    /** Five chunks of two documents ({@code docA}: c0-c2, {@code docB}: c3-c4; c4 is long). */
    public static List<Chunk> corpus() {
        String[] texts = {
            "Kintaro was a strong boy who lived in the mountains with his mother.",
            "The old man planted a cherry tree and it bloomed in winter.",
            "Urashima Taro rescued a turtle and visited the palace of the sea king.",
            "The sparrow whose tongue was cut flew away to the bamboo forest.",
            "Momotaro fought the ogres on the island with a dog, a monkey and a pheasant. "
                    + "word ".repeat(300) + "The treasure was carried home in a cart.",
        };
        List<Chunk> out = new ArrayList<>();
        int pos = 0;
        for (int i = 0; i < texts.length; i++) {
            String doc = i < 3 ? "docA" : "docB";
            out.add(new Chunk("c" + i, doc, texts[i], pos, pos + texts[i].length(), texts[i].split(" ").length));
            pos += texts[i].length() + 1;
        }
        return out;
    }

    private ChunkIndex filled() {
        ChunkIndex index = create(EMBEDDER);
        index.add(corpus(), ProgressListener.NONE);
        return index;
    }

    private static void assertRanked(List<Hit> hits, int k) {
        assertTrue(hits.size() <= k, "at most k hits: " + hits.size());
        for (int i = 1; i < hits.size(); i++) {
            assertTrue(hits.get(i - 1).score() >= hits.get(i).score(), "scores descend: " + hits);
        }
        assertEquals(hits.size(), hits.stream().map(h -> h.chunk().id()).distinct().count(), "no repeated chunk");
    }

    @Test
    void emptyIndexHoldsAndFindsNothing() {
        try (ChunkIndex index = create(EMBEDDER)) {
            assertTrue(index.chunks().isEmpty());
            assertTrue(index.retrieve("turtle", 3).isEmpty());
            assertEquals(List.of(List.of(), List.of()), index.retrieveAll(List.of("turtle", "cherry"), 3));
            assertEquals(0, index.removeDocuments(List.of("docA")));
            assertFalse(index.describe().isBlank());
        }
    }

    @Test
    void addKeepsChunksInOrderAndReportsProgress() {
        try (ChunkIndex index = create(EMBEDDER)) {
            long[] last = new long[1];
            index.add(corpus(), (stage, done, total) -> last[0] = Math.max(last[0], done));
            assertTrue(last[0] > 0, "progress reported");
            assertEquals(corpus(), index.chunks());
        }
    }

    @Test
    void retrieveRanksTheMatchingChunkFirst() {
        try (ChunkIndex index = filled()) {
            List<Hit> hits = index.retrieve("turtle sea king palace", 3);
            assertFalse(hits.isEmpty());
            assertEquals(corpus().get(2), hits.get(0).chunk(), "chunk returned whole, offsets kept");
            assertRanked(hits, 3);
            assertEquals("c4", index.retrieve("treasure cart", 2).get(0).chunk().id(), "the tail of a long chunk");
            assertRanked(index.retrieve("the", 10), 10);
        }
    }

    @Test
    void retrieveAllEqualsRetrieve() {
        try (ChunkIndex index = filled()) {
            List<String> qs = List.of("turtle sea king palace", "cherry tree bloomed", "sparrow bamboo forest");
            List<List<Hit>> all = index.retrieveAll(qs, 2);
            assertEquals(qs.size(), all.size());
            for (int i = 0; i < qs.size(); i++) {
                assertEquals(index.retrieve(qs.get(i), 2), all.get(i), qs.get(i));
            }
            assertEquals("c1", all.get(1).get(0).chunk().id());
        }
    }

    @Test
    void removeDocumentsThenAddWithoutRebuilding() {
        try (ChunkIndex index = filled()) {
            assertEquals(2, index.removeDocuments(List.of("docB", "no-such-document")));
            assertEquals(corpus().subList(0, 3), index.chunks());
            assertTrue(index.retrieve("treasure cart ogres sparrow", 5).stream()
                    .noneMatch(h -> h.chunk().documentId().equals("docB")));
            assertEquals(0, index.removeDocuments(List.of("docB")));
            Chunk fox = new Chunk("c9", "docC", "A fox turned into a teakettle.", 0, 30, 6);
            index.add(List.of(fox), ProgressListener.NONE);
            assertEquals(fox, index.retrieve("fox teakettle", 1).get(0).chunk());
            assertEquals(4, index.chunks().size());
        }
    }

    @Test
    void saveAndLoadRoundTrip(@TempDir Path dir) throws Exception {
        List<Hit> before;
        try (ChunkIndex index = filled()) {
            before = index.retrieve("turtle sea king palace", 3);
            index.save(dir);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().endsWith(".json")), "a JSON descriptor");
        }
        try (ChunkIndex loaded = load(dir, EMBEDDER)) {
            assertEquals(corpus(), loaded.chunks());
            assertEquals(before, loaded.retrieve("turtle sea king palace", 3));
            assertEquals(3, loaded.removeDocuments(List.of("docA")));
            assertEquals(corpus().subList(3, 5), loaded.chunks());
        }
    }

    @Test
    void loadingWithAnotherEmbedderFails(@TempDir Path dir) {
        if (!usesEmbedder()) {
            return;
        }
        try (ChunkIndex index = filled()) {
            index.save(dir);
        }
        var e = assertThrows(MemoRagException.class, () -> load(dir, new WordHashEmbedder("word-hash-64", 32)).close());
        assertTrue(e.getMessage().contains("64") && e.getMessage().contains("32"), e.getMessage());
        var id = assertThrows(MemoRagException.class, () -> load(dir, new WordHashEmbedder("other", 64)).close());
        assertTrue(id.getMessage().contains("other"), id.getMessage());
        try (ChunkIndex again = load(dir, EMBEDDER)) {
            assertEquals(corpus(), again.chunks(), "the failed loads changed nothing");
        }
    }

    @Test
    void badInputIsRejectedAndLeavesTheIndexUnchanged() {
        try (ChunkIndex index = filled()) {
            var blank = assertThrows(InvalidInputException.class, () -> index.retrieve("  ", 3));
            assertTrue(blank.getMessage().contains("empty") || blank.getMessage().contains("blank"),
                    blank.getMessage());
            assertThrows(InvalidInputException.class, () -> index.retrieve("turtle", 0));
            assertThrows(InvalidInputException.class, () -> index.retrieveAll(List.of("turtle", ""), 3));
            var dup = assertThrows(InvalidInputException.class, () -> index.add(corpus().subList(0, 1),
                    ProgressListener.NONE));
            assertTrue(dup.getMessage().contains("'c0'"), dup.getMessage());
            Chunk x = new Chunk("x1", "docX", "A repeated id inside one batch.", 0, 31, 6);
            assertThrows(InvalidInputException.class, () -> index.add(List.of(x, x), ProgressListener.NONE));
            assertEquals(corpus(), index.chunks());
            assertEquals("c2", index.retrieve("turtle sea king palace", 1).get(0).chunk().id());
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        ChunkIndex index = filled();
        index.close();
        index.close();
        assertThrows(MemoRagException.class, () -> index.retrieve("turtle", 1));
    }

    @Test
    void concurrentRetrievalsMatchSequentialOnes() throws Exception {
        try (ChunkIndex index = filled()) {
            List<String> qs = List.of("turtle sea king palace", "cherry tree bloomed", "sparrow bamboo forest",
                    "treasure cart", "strong boy mountains");
            List<List<Hit>> expected = index.retrieveAll(qs, 3);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<List<Hit>>>> runs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    runs.add(pool.submit(() -> {
                        List<List<Hit>> out = new ArrayList<>();
                        for (String q : qs) {
                            out.add(index.retrieve(q, 3));
                        }
                        return out;
                    }));
                }
                for (Future<List<List<Hit>>> f : runs) {
                    assertEquals(expected, f.get(60, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}

package dev.memorag.retrieval.chunks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local-index specifics; the shared behaviour is in {@link dev.memorag.testing.ChunkIndexContract}. */
class ChunkIndexTest {
    static final HashEmbedder EMBEDDER = new HashEmbedder("hash-64", 64);

    static List<Chunk> corpus() {
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

    static Map<String, byte[]> snapshot(Path dir) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    @Test
    void loadingWithAnotherEmbedderFailsAndLeavesFilesUntouched(@TempDir Path dir) throws Exception {
        try (ChunkIndex index = HybridChunkIndex.builder(EMBEDDER).build()) {
            index.add(corpus(), ProgressListener.NONE);
            index.save(dir);
        }
        Map<String, byte[]> before = snapshot(dir);
        var dim = assertThrows(ModelException.class, () -> HybridChunkIndex.load(dir, new HashEmbedder("hash-64", 32)));
        assertTrue(dim.getMessage().contains("dimension 64") && dim.getMessage().contains("32"), dim.getMessage());
        var id = assertThrows(ModelException.class, () -> DenseChunkIndexLoad.load(dir));
        assertTrue(id.getMessage().contains("other-64") && id.getMessage().contains("hash-64"), id.getMessage());
        Map<String, byte[]> after = snapshot(dir);
        assertEquals(before.keySet(), after.keySet());
        for (String f : before.keySet()) {
            assertArrayEquals(before.get(f), after.get(f), f);
        }
    }

    /** Loads the hybrid index with an embedder of the same dimension but another id. */
    static final class DenseChunkIndexLoad {
        static ChunkIndex load(Path dir) {
            return HybridChunkIndex.load(dir, new HashEmbedder("other-64", 64));
        }
    }

    @Test
    void wrongKindAndCorruptStoreAreReported(@TempDir Path dir) throws Exception {
        try (ChunkIndex index = new Bm25ChunkIndex()) {
            index.add(corpus(), ProgressListener.NONE);
            index.save(dir);
        }
        var kind = assertThrows(CorruptDataException.class, () -> DenseChunkIndex.load(dir, EMBEDDER));
        assertTrue(kind.getMessage().contains("'BM25'"), kind.getMessage());
        Path store = dir.resolve(ChunkStore.FILE);
        List<String> lines = new ArrayList<>(Files.readAllLines(store));
        lines.set(3, "{not json");
        Files.write(store, lines);
        var bad = assertThrows(CorruptDataException.class, () -> Bm25ChunkIndex.load(dir));
        assertTrue(bad.getMessage().contains("line 4") && bad.getMessage().contains(store.toString()),
                bad.getMessage());
        Files.write(store, lines.subList(0, 3));
        var trunc = assertThrows(CorruptDataException.class, () -> Bm25ChunkIndex.load(dir));
        assertTrue(trunc.getMessage().contains("count 5"), trunc.getMessage());
    }

    @Test
    void subWindowsSplitLongChunksOnly() {
        List<Chunk> c = corpus();
        assertTrue(SubWindows.DEFAULT.windows(c.get(0)).isEmpty());
        List<String> w = SubWindows.DEFAULT.windows(c.get(4));
        assertTrue(w.size() >= 5, "windows " + w.size());
        assertTrue(w.get(w.size() - 1).endsWith("cart."));
        assertTrue(SubWindows.NONE.windows(c.get(4)).isEmpty());
        assertThrows(InvalidInputException.class, () -> new SubWindows(10, 5, 6));
    }

    @Test
    void rrfFusionAndDescribe() {
        try (HybridChunkIndex index = HybridChunkIndex.builder(EMBEDDER).fusion(HybridFusion.rrf()).build()) {
            index.add(corpus(), ProgressListener.NONE);
            assertEquals("c2", index.retrieve("turtle sea king", 1).get(0).chunk().id());
            assertTrue(index.describe().contains("rrf"), index.describe());
        }
        assertThrows(InvalidInputException.class, () -> new HybridFusion(HybridFusion.Method.ZSCORE, 1.5, 50, 60));
    }
}

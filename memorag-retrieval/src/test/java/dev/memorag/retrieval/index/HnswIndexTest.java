package dev.memorag.retrieval.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.ScoredId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HnswIndexTest {
    @Test
    void recallAgainstExactSearchAndScores() {
        float[][] base = FlatIndexTest.unitVectors(2000, 32, 11);
        float[][] qs = FlatIndexTest.unitVectors(50, 32, 12);
        long[] ids = FlatIndexTest.ids(2000, 0);
        try (HnswIndex hnsw = HnswIndex.builder(32).build(); FlatIndex flat = new FlatIndex(32)) {
            hnsw.add(ids, base);
            flat.add(ids, base);
            long found = 0;
            for (float[] q : qs) {
                Set<Long> truth = new HashSet<>();
                flat.search(q, 10).forEach(h -> truth.add(h.id()));
                List<ScoredId> got = hnsw.search(q, 10);
                assertEquals(10, got.size());
                found += got.stream().filter(h -> truth.contains(h.id())).count();
                ScoredId top = got.get(0);
                assertEquals(FlatIndexTest.dot(base[(int) top.id()], q), top.score(), 1e-4);
            }
            assertTrue(found / (50.0 * 10) >= 0.9, "recall " + found / 500.0);
        }
    }

    @Test
    void saveLoadRoundTripAndRemove(@TempDir Path dir) {
        float[][] base = FlatIndexTest.unitVectors(300, 16, 13);
        float[] q = FlatIndexTest.unitVectors(1, 16, 14)[0];
        try (HnswIndex index = HnswIndex.builder(16).maxConn(8).efSearch(50).build()) {
            index.add(FlatIndexTest.ids(300, 100), base);
            index.remove(List.of(100L, 101L));
            List<ScoredId> before = index.search(q, 5);
            index.save(dir);
            try (HnswIndex loaded = HnswIndex.load(dir)) {
                assertEquals(298, loaded.size());
                assertEquals(before, loaded.search(q, 5));
                assertEquals(null, loaded.vector(100L));
                assertEquals(base[5][3], loaded.vector(105L)[3]);
            }
        }
    }

    @Test
    void badDescriptorAndInput(@TempDir Path dir) throws Exception {
        try (HnswIndex index = HnswIndex.builder(4).build()) {
            assertThrows(InvalidInputException.class, () -> index.add(new long[] {1}, new float[][] {{1, 0}}));
            index.add(new long[] {1}, new float[][] {{1, 0, 0, 0}});
            index.save(dir);
        }
        Files.writeString(dir.resolve(HnswIndex.DESCRIPTOR), "{\"format\":\"something-else\",\"version\":1}");
        var e = assertThrows(CorruptDataException.class, () -> HnswIndex.load(dir));
        assertTrue(e.getMessage().contains("something-else") && e.getMessage().contains(HnswIndex.DESCRIPTOR),
                e.getMessage());
        assertThrows(InvalidInputException.class, () -> HnswIndex.builder(0));
    }

    @Test
    void mmapDirectoryBacksTheGraph(@TempDir Path dir) {
        Path lucene = dir.resolve("mm");
        float[][] base = FlatIndexTest.unitVectors(100, 8, 15);
        try (HnswIndex index = HnswIndex.builder(8).mmapDirectory(lucene).build()) {
            index.add(FlatIndexTest.ids(100, 0), base);
            assertEquals(42L, index.search(base[42], 1).get(0).id());
        }
        var e = assertThrows(InvalidInputException.class, () -> HnswIndex.builder(8).mmapDirectory(lucene).build());
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    }
}

package dev.memorag.retrieval.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.api.ScoredId;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlatIndexTest {
    static float[][] unitVectors(int n, int dim, long seed) {
        Random r = new Random(seed);
        float[][] v = new float[n][dim];
        for (float[] row : v) {
            double s = 0;
            for (int d = 0; d < dim; d++) {
                row[d] = (float) r.nextGaussian();
                s += row[d] * row[d];
            }
            for (int d = 0; d < dim; d++) {
                row[d] /= (float) Math.sqrt(s);
            }
        }
        return v;
    }

    static long[] ids(int n, long offset) {
        return IntStream.range(0, n).mapToLong(i -> i + offset).toArray();
    }

    static List<Long> bruteForce(float[][] base, long[] ids, float[] q, int k) {
        return IntStream.range(0, base.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -dot(base[i], q)))
                .limit(k).map(i -> ids[i]).toList();
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void searchEqualsBruteForce() {
        float[][] base = unitVectors(500, 32, 1);
        float[][] qs = unitVectors(20, 32, 2);
        long[] ids = ids(500, 1000);
        try (FlatIndex index = new FlatIndex(32)) {
            index.add(ids, base);
            for (float[] q : qs) {
                List<ScoredId> hits = index.search(q, 10);
                assertEquals(bruteForce(base, ids, q, 10), hits.stream().map(ScoredId::id).toList());
                assertEquals(dot(base[(int) (hits.get(0).id() - 1000)], q), hits.get(0).score(), 1e-5);
            }
            assertEquals(500, index.search(qs[0], 10_000).size());
        }
    }

    @Test
    void matrixSurvivesGarbageCollection() {
        float[][] base = unitVectors(2000, 64, 21);
        long[] ids = ids(2000, 0);
        try (FlatIndex index = new FlatIndex(64)) {
            index.add(ids, base);
            List<ScoredId> first = index.search(base[5], 5);
            for (int i = 0; i < 5; i++) {
                System.gc();
                byte[][] churn = new byte[64][];
                for (int j = 0; j < churn.length; j++) {
                    churn[j] = new byte[1 << 20];
                }
                assertEquals(first, index.search(base[5], 5), "round " + i);
            }
            assertEquals(bruteForce(base, ids, base[5], 5), first.stream().map(ScoredId::id).toList());
        }
    }

    @Test
    void removeAndIncrementalAdd() {
        float[][] base = unitVectors(100, 16, 3);
        try (FlatIndex index = new FlatIndex(16)) {
            index.add(ids(50, 0), java.util.Arrays.copyOfRange(base, 0, 50));
            index.search(base[0], 1);
            index.add(ids(50, 50), java.util.Arrays.copyOfRange(base, 50, 100));
            assertEquals(77L, index.search(base[77], 1).get(0).id());
            index.remove(List.of(77L, 12345L));
            assertEquals(99, index.size());
            assertTrue(index.search(base[77], 99).stream().noneMatch(h -> h.id() == 77L));
            assertArrayEquals(base[78], index.vector(78));
        }
    }

    @Test
    void saveLoadRoundTrip(@TempDir Path dir) {
        float[][] base = unitVectors(200, 24, 4);
        float[] q = unitVectors(1, 24, 5)[0];
        try (FlatIndex index = new FlatIndex(24)) {
            index.add(ids(200, 7), base);
            List<ScoredId> before = index.search(q, 5);
            index.save(dir);
            try (FlatIndex loaded = FlatIndex.load(dir, Device.cpu())) {
                assertEquals(200, loaded.size());
                assertEquals(before, loaded.search(q, 5));
            }
        }
    }

    @Test
    void corruptFilesAreRejectedWithThePath(@TempDir Path dir) throws Exception {
        try (FlatIndex index = new FlatIndex(4)) {
            index.add(new long[] {1}, new float[][] {{1, 0, 0, 0}});
            index.save(dir);
        }
        Path vec = dir.resolve(FlatIndex.VECTORS);
        byte[] good = Files.readAllBytes(vec);
        byte[] bad = good.clone();
        bad[0] = 'X';
        Files.write(vec, bad);
        var e = assertThrows(CorruptDataException.class, () -> FlatIndex.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains(vec.toString()) && e.getMessage().contains("magic"), e.getMessage());
        byte[] v2 = good.clone();
        ByteBuffer.wrap(v2).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(VectorFile.MAGIC.length, 99);
        Files.write(vec, v2);
        var u = assertThrows(UnsupportedFormatException.class, () -> FlatIndex.load(dir, Device.cpu()));
        assertTrue(u.getMessage().contains("99"), u.getMessage());
        Files.write(vec, java.util.Arrays.copyOf(good, good.length - 3));
        var t = assertThrows(CorruptDataException.class, () -> FlatIndex.load(dir, Device.cpu()));
        assertTrue(t.getMessage().contains("bytes"), t.getMessage());
    }

    @Test
    void badInputNamesTheValue() {
        try (FlatIndex index = new FlatIndex(4)) {
            var e = assertThrows(InvalidInputException.class,
                    () -> index.add(new long[] {1}, new float[][] {{1, 0, 0}}));
            assertTrue(e.getMessage().contains("dimension 3"), e.getMessage());
            index.add(new long[] {1}, new float[][] {{1, 0, 0, 0}});
            var d = assertThrows(InvalidInputException.class,
                    () -> index.add(new long[] {1}, new float[][] {{0, 1, 0, 0}}));
            assertTrue(d.getMessage().contains("id 1"), d.getMessage());
            assertThrows(InvalidInputException.class, () -> index.search(new float[5], 1));
            assertThrows(InvalidInputException.class, () -> index.search(new float[4], 0));
        }
        FlatIndex closed = new FlatIndex(4);
        closed.close();
        closed.close();
        assertThrows(StateException.class, () -> closed.search(new float[4], 1));
    }

    @Test
    void noNativeArrayLeakAcross10000Queries() {
        float[][] base = unitVectors(200, 8, 6);
        float[][] qs = unitVectors(100, 8, 7);
        try (FlatIndex index = new FlatIndex(8)) {
            index.add(ids(200, 0), base);
            index.search(qs[0], 10);
            int held = index.nativeArrayCount();
            for (int i = 0; i < 10_000; i++) {
                index.search(qs[i % qs.length], 10);
            }
            assertEquals(held, index.nativeArrayCount());
            assertEquals(2, held, "only the matrix and its transposed view are held");
        }
    }
}

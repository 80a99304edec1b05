package dev.memorag.retrieval.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.memorag.error.CorruptDataException;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachingEmbedderTest {
    static final class Counting implements Embedder {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
            calls.addAndGet(texts.size());
            float[][] out = new float[texts.size()][3];
            for (int i = 0; i < texts.size(); i++) {
                out[i] = new float[] {texts.get(i).length(), purpose.ordinal(), 1};
            }
            return out;
        }

        @Override
        public int dimension() {
            return 3;
        }

        @Override
        public String id() {
            return "count/er";
        }
    }

    @Test
    void reusesVectorsAcrossInstances(@TempDir Path dir) throws Exception {
        Counting c = new Counting();
        float[][] first;
        try (CachingEmbedder e = new CachingEmbedder(c, dir)) {
            first = e.embed(List.of("a", "bb", "a"), EmbedPurpose.PASSAGE);
            assertEquals(3, c.calls.get());
            e.embed(List.of("bb", "ccc"), EmbedPurpose.PASSAGE);
            assertEquals(4, c.calls.get());
            e.embed(List.of("bb"), EmbedPurpose.QUERY);
            assertEquals(5, c.calls.get());
        }
        Counting c2 = new Counting();
        try (CachingEmbedder e = new CachingEmbedder(c2, dir)) {
            float[][] again = e.embed(List.of("a", "bb", "a"), EmbedPurpose.PASSAGE);
            assertEquals(0, c2.calls.get());
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(first[i], again[i]);
            }
            assertEquals(0f, e.embed(List.of("bb"), EmbedPurpose.QUERY)[0][1]);
            assertEquals(1f, again[1][1]);
        }
        Path file = dir.resolve("count_er-3.embcache");
        byte[] b = Files.readAllBytes(file);
        b[0] = 'x';
        Files.write(file, b);
        assertThrows(CorruptDataException.class, () -> new CachingEmbedder(new Counting(), dir));
    }
}

package dev.memorag.retrieval.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Language;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxEmbedderTest {
    static OnnxEmbedder embedder;

    @BeforeAll
    static void load() {
        embedder = Embedders.defaultFor(Language.EN);
    }

    @AfterAll
    static void close() {
        embedder.close();
        embedder.close();
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void dimensionAndNormalised() {
        assertEquals(384, embedder.dimension());
        assertEquals("bge-small-en-v1.5-q", embedder.id());
        float[][] v = embedder.embed(List.of("The cat sat on the mat.", "x"), EmbedPurpose.PASSAGE);
        for (float[] row : v) {
            assertEquals(1.0, dot(row, row), 1e-4);
        }
    }

    @Test
    void relatedSentencesScoreHigher() {
        float[] q = embedder.embedQuery("What is the capital of France?");
        float[][] p = embedder.embed(List.of(
                "Paris is the capital and largest city of France.",
                "The mitochondria is the powerhouse of the cell.",
                "Basketball was invented by James Naismith in 1891."), EmbedPurpose.PASSAGE);
        double s0 = dot(q, p[0]);
        assertTrue(s0 > dot(q, p[1]) + 0.1, "related " + s0 + " vs " + dot(q, p[1]));
        assertTrue(s0 > dot(q, p[2]) + 0.1, "related " + s0 + " vs " + dot(q, p[2]));
    }

    @Test
    void batchingAndSortingKeepOrderAndVectors() {
        // Distinct token lengths, so the length-sorted batches are the same whatever the input order.
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            texts.add("sentence number " + i + " " + "word ".repeat(i * 3));
        }
        AtomicLong last = new AtomicLong();
        float[][] sorted = embedder.embed(texts, EmbedPurpose.PASSAGE, (stage, done, total) -> last.set(done));
        assertEquals(11, last.get());
        List<String> reversed = new ArrayList<>(texts);
        java.util.Collections.reverse(reversed);
        float[][] rev = embedder.embed(reversed, EmbedPurpose.PASSAGE);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(sorted[i], rev[texts.size() - 1 - i], "row " + i);
        }
        // One text per batch (no padding at all): the int8 model quantises activations per batch, so padding
        // changes values slightly; the vectors must still agree closely.
        try (OnnxEmbedder plain = Embedders.bundled(Embedders.BGE_SMALL_EN).batchSize(1).sortByLength(false).build()) {
            float[][] single = plain.embed(texts, EmbedPurpose.PASSAGE);
            for (int i = 0; i < texts.size(); i++) {
                assertTrue(dot(single[i], sorted[i]) > 0.99, "row " + i + " cosine " + dot(single[i], sorted[i]));
            }
        }
    }

    @Test
    void truncatesLongTexts() {
        float[] v = embedder.embed(List.of("word ".repeat(2000)), EmbedPurpose.PASSAGE)[0];
        assertEquals(384, v.length);
    }

    @Test
    void missingModelFileNamesThePath() {
        var e = assertThrows(InvalidInputException.class,
                () -> OnnxEmbedder.builder(Path.of("/nonexistent/model.onnx"), Path.of("/nonexistent/t.json")).build());
        assertTrue(e.getMessage().contains("/nonexistent/"), e.getMessage());
    }
}

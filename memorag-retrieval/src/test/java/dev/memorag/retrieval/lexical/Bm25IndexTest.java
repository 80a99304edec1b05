package dev.memorag.retrieval.lexical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.ScoredId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Bm25IndexTest {
    @Test
    void tokenizerLowercasesDropsStopWordsAndSplitsHan() {
        assertEquals(List.of("quick", "brown_fox", "42", "café"), WordTokenizer.tokenize("The QUICK, brown_fox: 42 café!"));
        assertEquals(List.of("北", "京", "北京", "city"), WordTokenizer.tokenize("北京city"));
        assertEquals(List.of(), WordTokenizer.tokenize("the and of"));
    }

    @Test
    void ranksByBm25() {
        try (Bm25Index index = new Bm25Index()) {
            index.add(new long[] {1, 2, 3, 4}, List.of(
                    "The cat sat on the mat.",
                    "Dogs and cats are pets; a cat purrs, a cat sleeps.",
                    "Stock markets fell sharply today.",
                    "A short note about a mat."));
            List<ScoredId> hits = index.search("cat", 10);
            assertEquals(List.of(2L, 1L), hits.stream().map(ScoredId::id).toList());
            // Hand-computed Lucene BM25 for doc 1 ("cat sat mat", tf 1, dl 3): idf = ln(1 + (4 - 2 + 0.5) / (2 + 0.5)).
            double idf = Math.log(1 + (4 - 2 + 0.5) / (2 + 0.5));
            double avgdl = (3 + 9 + 5 + 3) / 4.0;
            double tf = 1 / (1 + 1.2 * (1 - 0.75 + 0.75 * 3 / avgdl));
            assertEquals(idf * tf, hits.get(1).score(), 0.02 * idf * tf);
            assertTrue(index.search("the of and", 10).isEmpty());
            assertTrue(index.search("quantum", 10).isEmpty());
            Map<Long, Float> exact = index.scores("cat mat", List.of(1L, 3L, 4L));
            assertEquals(2, exact.size());
            List<ScoredId> all = index.search("cat mat", 10);
            for (ScoredId s : all) {
                if (exact.containsKey(s.id())) {
                    assertEquals(s.score(), exact.get(s.id()), 1e-6);
                }
            }
            index.remove(List.of(2L));
            assertEquals(List.of(1L), index.search("cat", 10).stream().map(ScoredId::id).toList());
            assertEquals(3, index.size());
        }
    }
}

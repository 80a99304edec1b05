package dev.memorag.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.Chunk;
import dev.memorag.api.Hit;
import dev.memorag.api.TokenCounter;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvidenceFitterTest {
    /** One token per whitespace-separated word; the separator costs nothing. */
    private static final TokenCounter WORDS = s -> s.isBlank() ? 0 : s.strip().split("\\s+").length;

    private static Hit hit(String id, int start, String text, double score) {
        return new Hit(new Chunk(id, "d", text, start, start + text.length(), WORDS.count(text)), score);
    }

    private final Hit first = hit("d#0", 0, "one two three four", 0.2);
    private final Hit second = hit("d#1", 20, "five six", 0.9);
    private final Hit third = hit("d#2", 30, "seven eight nine", 0.5);

    @Test
    void everythingFitsUnchanged() {
        EvidenceFitter.FittedEvidence f = new EvidenceFitter(WORDS).fit(List.of(first, second, third), 100);
        assertEquals(List.of(first, second, third), f.passages());
        assertEquals("one two three four\n\nfive six\n\nseven eight nine", f.text());
        assertEquals(9, f.tokens());
        assertFalse(f.truncated());
    }

    @Test
    void lowestScoringPassagesAreDroppedFirstAndOrderIsKept() {
        EvidenceFitter.FittedEvidence f = new EvidenceFitter(WORDS).fit(List.of(first, second, third), 5);
        assertEquals(List.of(second, third), f.passages());
        assertEquals(1, f.dropped());
        assertTrue(f.truncated());
        assertTrue(f.tokens() <= 5);
    }

    @Test
    void unlimitedBudgetKeepsAll() {
        assertEquals(3, new EvidenceFitter(WORDS).fit(List.of(first, second, third), Integer.MAX_VALUE)
                .passages().size());
    }

    @Test
    void whenNothingFitsTheBestPassageIsCut() {
        Hit big = hit("d#0", 100, "a b c d e f g h", 0.7);
        EvidenceFitter.FittedEvidence f = new EvidenceFitter(WORDS).fit(List.of(big, hit("d#1", 200, "x y z w v", 0.1)),
                3);
        assertEquals(1, f.passages().size());
        Chunk c = f.passages().get(0).chunk();
        assertEquals("a b c ", c.text());
        assertEquals(3, f.tokens());
        assertEquals(100, c.start());
        assertTrue(f.passageCut());
        assertEquals(1, f.dropped());
    }

    @Test
    void zeroBudgetKeepsNothing() {
        EvidenceFitter.FittedEvidence f = new EvidenceFitter(WORDS).fit(List.of(first), 0);
        assertEquals(List.of(), f.passages());
        assertEquals("", f.text());
        assertTrue(f.truncated());
    }
}

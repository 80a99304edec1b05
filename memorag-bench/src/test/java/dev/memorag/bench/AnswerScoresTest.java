package dev.memorag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The eval/README.md answer scoring rules. */
class AnswerScoresTest {
    @Test
    void normalisationFollowsTheReadme() {
        assertEquals("paris", AnswerScores.normalize("  The PARIS! "));
        assertEquals("man with hat", AnswerScores.normalize("a man, with an hat."));
        assertEquals("theatre anthem", AnswerScores.normalize("theatre anthem")); // only whole words are articles
        assertEquals("rocknroll", AnswerScores.normalize("rock-'n'-roll")); // punctuation deleted, not spaced
        assertEquals("ab", AnswerScores.normalize("a-b"));
    }

    @Test
    void exactMatchTakesTheBestGold() {
        assertEquals(1.0, AnswerScores.exactMatch("The Eiffel Tower.", List.of("tower", "eiffel tower")));
        assertEquals(0.0, AnswerScores.exactMatch("Eiffel", List.of("eiffel tower")));
    }

    @Test
    void f1IsTokenMultisetOverlap() {
        // prediction "eiffel tower paris" vs gold "eiffel tower": P 2/3, R 1, F1 0.8
        assertEquals(0.8, AnswerScores.f1("the Eiffel Tower, Paris", List.of("Eiffel Tower")), 1e-9);
        // repeated tokens count once per occurrence in the gold
        assertEquals(2 * 0.5 * 1.0 / 1.5, AnswerScores.f1("red red", List.of("red")), 1e-9);
        assertEquals(0.0, AnswerScores.f1("blue", List.of("red", "green")));
        assertEquals(1.0, AnswerScores.f1("x", List.of("no", "x")));
    }
}

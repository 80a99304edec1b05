package dev.memorag.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.memorag.error.InvalidInputException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReciprocalRankFusionTest {

    @Test
    void sumsWeightedReciprocalRanksInFirstSeenOrder() {
        Map<String, Double> s = new ReciprocalRankFusion<String>(60).add(List.of("a", "b"), 1.0)
                .add(List.of("b", "c"), 0.5).scores();
        assertEquals(List.of("a", "b", "c"), List.copyOf(s.keySet()));
        assertEquals(1.0 / 61, s.get("a"), 0);
        assertEquals(1.0 / 62 + 0.5 / 61, s.get("b"), 0);
        assertEquals(0.5 / 62, s.get("c"), 0);
    }

    @Test
    void aNegativeConstantIsRejected() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new ReciprocalRankFusion<>(-1));
        assertEquals("RRF constant k must be >= 0, was -1", e.getMessage());
    }
}

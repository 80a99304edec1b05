package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.GenerationOptions;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final float[] LOGITS = {1f, 3f, 2.5f, -1f, 0f};

    @Test
    void greedyPicksTheArgmax() {
        assertEquals(1, new Sampler(GenerationOptions.greedy(1)).next(LOGITS.clone(), new int[0], 0));
    }

    @Test
    void repetitionPenaltyFollowsHfRule() {
        // HF: positive logits are divided, negative ones multiplied; 3/2 = 1.5 < 2.5, so token 2 wins.
        GenerationOptions o = GenerationOptions.builder().repetitionPenalty(2.0).build();
        float[] l = LOGITS.clone();
        assertEquals(2, new Sampler(o).next(l, new int[] {1, 3, 1}, 3));
        assertEquals(1.5f, l[1]);
        assertEquals(-2f, l[3]);
    }

    @Test
    void topKOneIsGreedyAndTopPKeepsTheSmallestNucleus() {
        GenerationOptions k1 = GenerationOptions.builder().temperature(5.0).topK(1).seed(9L).build();
        Sampler s = new Sampler(k1);
        for (int i = 0; i < 20; i++) {
            assertEquals(1, s.next(LOGITS.clone(), new int[0], 0));
        }
        // p(1) = 0.55, p(2) = 0.34: top_p 0.6 keeps exactly tokens 1 and 2.
        GenerationOptions p = GenerationOptions.builder().temperature(1.0).topP(0.6).seed(9L).build();
        Sampler sp = new Sampler(p);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(sp.next(LOGITS.clone(), new int[0], 0));
        }
        assertEquals(Set.of(1, 2), seen);
    }

    @Test
    void samplingFollowsTheDistributionAndTheSeed() {
        GenerationOptions o = GenerationOptions.builder().temperature(1.0).seed(5L).build();
        Sampler a = new Sampler(o);
        Sampler b = new Sampler(o);
        int ones = 0;
        for (int i = 0; i < 2000; i++) {
            int x = a.next(LOGITS.clone(), new int[0], 0);
            assertEquals(x, b.next(LOGITS.clone(), new int[0], 0));
            ones += x == 1 ? 1 : 0;
        }
        double expected = Math.exp(3) / (Math.exp(1) + Math.exp(3) + Math.exp(2.5) + Math.exp(-1) + 1);
        assertTrue(Math.abs(ones / 2000.0 - expected) < 0.04, "freq " + ones / 2000.0 + " vs " + expected);
    }
}

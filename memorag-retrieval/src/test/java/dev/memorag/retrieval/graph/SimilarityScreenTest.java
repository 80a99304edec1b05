package dev.memorag.retrieval.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SimilarityScreenTest {

    private static List<float[]> vectors(int n, int dim, Random r, List<float[]> near) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[dim];
            float[] base = near == null ? null : near.get(r.nextInt(near.size()));
            double norm = 0;
            for (int k = 0; k < dim; k++) {
                v[k] = (float) r.nextGaussian() * (base == null ? 1f : 0.5f) + (base == null ? 0 : base[k] * 4);
                norm += v[k] * v[k];
            }
            for (int k = 0; k < dim; k++) {
                v[k] /= (float) Math.sqrt(norm);
            }
            out.add(v);
        }
        return out;
    }

    @Test
    void nativeAndJavaKernelsFindTheSamePairs() {
        Random r = new Random(3);
        List<float[]> cands = vectors(3000, 48, r, null);
        List<float[]> queries = vectors(203, 48, r, cands);
        float threshold = 0.8f;
        Set<Long> java = new TreeSet<>();
        SimilarityScreen.screenJava(queries, cands, threshold, (i, j) -> java.add((long) i << 32 | j));
        Set<Long> exact = new TreeSet<>();
        for (int i = 0; i < queries.size(); i++) {
            for (int j = 0; j < cands.size(); j++) {
                if (VectorMath.dot(queries.get(i), cands.get(j)) >= threshold) {
                    exact.add((long) i << 32 | j);
                }
            }
        }
        assertEquals(exact, java);
        assertTrue(exact.size() > 30, "fixture must have near pairs, has " + exact.size());
        assertTrue(SimilarityScreen.nativeAvailable(), "PyTorch natives are on the test class path");
        Set<Long> nat = new TreeSet<>();
        SimilarityScreen.screenNative(queries, cands, threshold - 1e-3f, (i, j) -> {
            if (VectorMath.dot(queries.get(i), cands.get(j)) >= threshold) {
                nat.add((long) i << 32 | j);
            }
        });
        assertEquals(exact, nat);
    }
}

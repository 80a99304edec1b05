package dev.memorag.retrieval.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.InvalidInputException;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** PPR against python-igraph's PRPACK results (src-test-data/golden/ppr), atol 1e-9. */
class PersonalizedPageRankGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"six_node", "random_2000", "dangling", "selfloop_parallel"})
    void matchesPrpack(String name) throws IOException {
        Path file = TestData.path("golden/ppr/" + name + ".json");
        JsonNode root = new ObjectMapper().readTree(Files.readString(file));
        int n = root.get("num_nodes").asInt();
        JsonNode edges = root.get("edges");
        int m = edges.size();
        int[] u = new int[m];
        int[] v = new int[m];
        double[] w = new double[m];
        for (int e = 0; e < m; e++) {
            u[e] = edges.get(e).get(0).asInt();
            v[e] = edges.get(e).get(1).asInt();
            w[e] = edges.get(e).get(2).asDouble();
        }
        CsrGraph g = CsrGraph.fromEdges(n, u, v, w, m);
        PersonalizedPageRank ppr = PersonalizedPageRank.builder().damping(root.get("damping").asDouble()).build();
        assertTrue(root.get("cases").size() > 0);
        for (JsonNode c : root.get("cases")) {
            double[] reset = new double[n];
            for (int i = 0; i < n; i++) {
                reset[i] = c.get("reset").get(i).asDouble();
            }
            PprResult r = ppr.run(g, reset);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                double expected = c.get("expected_prpack").get(i).asDouble();
                assertEquals(expected, r.scores()[i], 1e-9, name + "/" + c.get("reset_name").asText() + " node " + i);
                sum += r.scores()[i];
            }
            assertEquals(1.0, sum, 1e-12);
            assertTrue(r.lastChange() < 1e-12);
        }
    }

    @Test
    void selfLoopCountsTwiceAndParallelEdgesAdd() {
        CsrGraph g = CsrGraph.fromEdges(3, new int[] {0, 1, 1, 2}, new int[] {0, 2, 2, 1}, new double[] {1.5, 1, 2, 0.5},
                4);
        assertEquals(3.0, g.weight(0, 0));
        assertEquals(3.0, g.strength(0));
        assertEquals(3.5, g.weight(1, 2));
        assertEquals(3.5, g.weight(2, 1));
        assertEquals(3, g.entryCount());
    }

    @Test
    void badResetVectorsAreRejectedWithTheOffendingValue() {
        CsrGraph g = CsrGraph.fromEdges(2, new int[] {0}, new int[] {1}, new double[] {1}, 1);
        PersonalizedPageRank ppr = PersonalizedPageRank.builder().build();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> ppr.run(g, new double[] {1, -2}));
        assertTrue(e.getMessage().contains("reset[1]") && e.getMessage().contains("-2"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> ppr.run(g, new double[] {0, 0}));
        assertTrue(e.getMessage().contains("sums to 0"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> ppr.run(g, new double[] {1}));
        assertTrue(e.getMessage().contains("length 1"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> CsrGraph.fromEdges(2, new int[] {0}, new int[] {2}, new double[] {1}, 1));
        assertTrue(e.getMessage().contains("0 - 2"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> CsrGraph.fromEdges(2, new int[] {0}, new int[] {1}, new double[] {Double.NaN}, 1));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> PersonalizedPageRank.builder().damping(1.0).build());
        assertTrue(e.getMessage().contains("damping"), e.getMessage());
    }
}

package dev.memorag.retrieval.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.ProgressListener;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KnowledgeGraphTest {

    /** Tight settings make the neighbour cap bind, the hard case for batch/at-once equality. */
    private static final GraphSettings TIGHT = new GraphSettings(0.3, 2, 3);

    private static KnowledgeGraph build(List<PassageExtraction> items, int batches, GraphSettings settings) {
        KnowledgeGraph g = new KnowledgeGraph(new TrigramEmbedder(), settings);
        int per = (items.size() + batches - 1) / batches;
        for (int i = 0; i < items.size(); i += per) {
            g.insert(items.subList(i, Math.min(items.size(), i + per)), ProgressListener.NONE);
        }
        return g;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void tenBatchesGiveTheSameGraphAsOneInsert(boolean tight) {
        GraphSettings settings = tight ? TIGHT : GraphSettings.DEFAULT;
        List<PassageExtraction> corpus = GraphFixtures.corpus(60, 7);
        KnowledgeGraph once = build(corpus, 1, settings);
        KnowledgeGraph batched = build(corpus, 10, settings);
        assertEquals(new HashSet<>(once.phrases()), new HashSet<>(batched.phrases()));
        assertEquals(new HashSet<>(once.facts()), new HashSet<>(batched.facts()));
        List<GraphEdge> a = once.edges();
        assertEquals(a, batched.edges());
        long synonyms = a.stream().filter(e -> e.kind() == GraphEdge.Kind.SYNONYM).count();
        assertTrue(synonyms >= (tight ? 6 : 1), "fixture must produce synonym edges, got " + synonyms);
        // One edge per pair and kind: no duplicates.
        Set<String> keys = new HashSet<>();
        for (GraphEdge e : a) {
            assertTrue(keys.add(e.kind() + e.a() + "|" + e.b()), "duplicate edge " + e);
        }
        // The CSR graphs agree too (same node order: passages in insertion order).
        CsrGraph x = once.snapshot().graph();
        CsrGraph y = batched.snapshot().graph();
        assertEquals(x.nodeCount(), y.nodeCount());
        assertEquals(x.entryCount(), y.entryCount());
    }

    @Test
    void synonymEdgesRespectThresholdCapAndShortPhrases() {
        KnowledgeGraph g = build(GraphFixtures.corpus(60, 3), 1, TIGHT);
        java.util.Map<String, Integer> degree = new java.util.HashMap<>();
        int oneWay = 0;
        int mutual = 0;
        for (GraphEdge e : g.edges()) {
            if (e.kind() != GraphEdge.Kind.SYNONYM) {
                continue;
            }
            // The cosine once per neighbour list holding the pair: with a cap of 2 some pairs are one-way.
            double cos = cosine(e.a().substring("phrase:".length()), e.b().substring("phrase:".length()));
            assertTrue(cos >= 0.3, e.toString());
            if (Math.abs(e.weight() - cos) < 1e-6) {
                oneWay++;
            } else {
                assertEquals(2 * cos, e.weight(), 1e-6, e.toString());
                mutual++;
            }
            assertFalse(e.a().equals("phrase:ab") || e.b().equals("phrase:ab"), "short phrase linked: " + e);
            assertFalse(e.a().equals("phrase:u2") || e.b().equals("phrase:u2"), "short phrase linked: " + e);
            degree.merge(e.a(), 1, Integer::sum);
            degree.merge(e.b(), 1, Integer::sum);
        }
        assertTrue(g.phrases().contains("ab"));
        assertTrue(g.phrases().contains("東京都"), g.phrases().toString());
        assertTrue(g.phrases().contains("ångström"));
        assertFalse(degree.isEmpty());
        assertTrue(oneWay > 0 && mutual > 0, "one-way " + oneWay + ", mutual " + mutual);
    }

    @Test
    void phraseToPhraseEdgesCountBothDirections() {
        KnowledgeGraph g = new KnowledgeGraph(new TrigramEmbedder(), GraphSettings.DEFAULT);
        g.insert(List.of(
                new PassageExtraction(GraphFixtures.chunk("a", "x"), List.of(),
                        List.of(new Triple("Barack Obama", "born in", "Honolulu"))),
                new PassageExtraction(GraphFixtures.chunk("b", "y"), List.of(),
                        List.of(new Triple("Barack Obama", "born in", "Honolulu"),
                                new Triple("Barack H Obama", "president of", "United States")))),
                ProgressListener.NONE);
        java.util.Map<String, Double> w = new java.util.HashMap<>();
        for (GraphEdge e : g.edges()) {
            w.put(e.kind() + " " + e.a() + " " + e.b(), e.weight());
        }
        // HippoRAG 2 records relation and synonym edges once per direction; passage edges once.
        assertEquals(4.0, w.get("RELATION phrase:barack obama phrase:honolulu"));
        assertEquals(2.0, w.get("RELATION phrase:barack h obama phrase:united states"));
        assertEquals(1.0, w.get("PASSAGE passage:a phrase:barack obama"));
        double cos = cosine("barack h obama", "barack obama");
        assertTrue(cos >= 0.8, "fixture pair must be synonyms, cosine " + cos);
        assertEquals(2 * cos, w.get("SYNONYM phrase:barack h obama phrase:barack obama"), 1e-6);
    }

    private static double cosine(String a, String b) {
        float[][] v = new TrigramEmbedder().embed(List.of(a, b), EmbedPurpose.PASSAGE, ProgressListener.NONE);
        return VectorMath.dot(v[0], v[1]);
    }

    @Test
    void newPhrasesAloneAreEmbeddedOnInsert() {
        TrigramEmbedder emb = new TrigramEmbedder();
        KnowledgeGraph g = new KnowledgeGraph(emb, GraphSettings.DEFAULT);
        g.insert(List.of(new PassageExtraction(GraphFixtures.chunk("a", "x"), List.of(),
                List.of(new Triple("Paris", "capital of", "France")))), ProgressListener.NONE);
        int before = emb.textsEmbedded;
        g.insert(List.of(new PassageExtraction(GraphFixtures.chunk("b", "y"), List.of(),
                List.of(new Triple("Paris", "located in", "Europe")))), ProgressListener.NONE);
        // One passage, one new phrase (europe), one new fact.
        assertEquals(before + 3, emb.textsEmbedded);
    }

    @Test
    void removeDropsOnlyWhatThePassageAloneSupported() {
        List<PassageExtraction> corpus = GraphFixtures.corpus(40, 11);
        KnowledgeGraph full = build(corpus, 1, TIGHT);
        full.removePassage("p5");
        full.removePassage("p17");
        List<PassageExtraction> rest = new ArrayList<>(corpus);
        rest.removeIf(p -> p.passage().id().equals("p5") || p.passage().id().equals("p17"));
        KnowledgeGraph fresh = build(rest, 1, TIGHT);
        assertEquals(new HashSet<>(fresh.phrases()), new HashSet<>(full.phrases()));
        assertEquals(new HashSet<>(fresh.facts()), new HashSet<>(full.facts()));
        assertEquals(fresh.edges(), full.edges());
        assertFalse(full.containsPassage("p5"));
    }

    @Test
    void removingTwiceIsAClearErrorAndChangesNothing() {
        KnowledgeGraph g = build(GraphFixtures.corpus(10, 1), 1, GraphSettings.DEFAULT);
        g.removePassage("p3");
        List<GraphEdge> before = g.edges();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> g.removePassage("p3"));
        assertTrue(e.getMessage().contains("'p3'") && e.getMessage().contains("already removed"), e.getMessage());
        assertEquals(before, g.edges());
    }

    @Test
    void invalidTriplesAreDroppedAndReported() {
        KnowledgeGraph g = new KnowledgeGraph(new TrigramEmbedder(), GraphSettings.DEFAULT);
        String huge = "x".repeat(5000);
        InsertReport r = g.insert(List.of(new PassageExtraction(GraphFixtures.chunk("a", "text"), List.of(), List.of(
                new Triple("", "is", "empty"),
                new Triple("  ...  ", "is", "punctuation only"),
                new Triple(huge, "is", "too long"),
                new Triple("Paris", "capital of", "France")))), ProgressListener.NONE);
        assertEquals(3, r.droppedTriples().size());
        assertTrue(r.droppedTriples().get(0).contains("'a' triple 0: subject is empty"), r.droppedTriples().get(0));
        assertTrue(r.droppedTriples().get(2).contains("too long (5000 chars)"), r.droppedTriples().get(2));
        assertEquals(List.of(new Fact("paris", "capital of", "france")), g.facts());
    }

    @Test
    void duplicatePassageIdsAndEmbedderFailuresLeaveTheGraphUnchanged() {
        KnowledgeGraph g = build(GraphFixtures.corpus(5, 2), 1, GraphSettings.DEFAULT);
        List<GraphEdge> before = g.edges();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> g.insert(
                List.of(new PassageExtraction(GraphFixtures.chunk("p1", "again"), List.of(), List.of())),
                ProgressListener.NONE));
        assertTrue(e.getMessage().contains("'p1'"), e.getMessage());
        assertEquals(before, g.edges());

        KnowledgeGraph broken = new KnowledgeGraph(new TrigramEmbedder() {
            @Override
            public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
                float[][] v = super.embed(texts, purpose, progress);
                return texts.size() > 1 ? new float[][] {v[0]} : v;
            }
        }, GraphSettings.DEFAULT);
        broken.insert(List.of(new PassageExtraction(GraphFixtures.chunk("a", "x"), List.of(), List.of())),
                ProgressListener.NONE);
        ModelException m = assertThrows(ModelException.class, () -> broken.insert(GraphFixtures.corpus(3, 5),
                ProgressListener.NONE));
        assertTrue(m.getMessage().contains("returned 1 vectors"), m.getMessage());
        assertEquals(1, broken.passages().size());
        assertTrue(broken.phrases().isEmpty());
    }
}

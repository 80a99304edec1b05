package dev.memorag.retrieval.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.spi.ProviderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphRetrieverTest {

    /** Two-hop corpus: the answer passage shares no words with the question, only an entity with the bridge. */
    private static KnowledgeGraph twoHop() {
        KnowledgeGraph g = new KnowledgeGraph(new TrigramEmbedder(), GraphSettings.DEFAULT);
        g.insert(List.of(
                new PassageExtraction(GraphFixtures.chunk("bridge", "Hello Love was performed by Zorblax Quint."),
                        List.of(), List.of(new Triple("Hello Love", "performed by", "Zorblax Quint"))),
                new PassageExtraction(GraphFixtures.chunk("answer", "Zorblax Quint died in Vantaa."),
                        List.of(), List.of(new Triple("Zorblax Quint", "died in", "Vantaa"))),
                new PassageExtraction(GraphFixtures.chunk("noise1", "Paris is the capital of France."),
                        List.of(), List.of(new Triple("Paris", "capital of", "France"))),
                new PassageExtraction(GraphFixtures.chunk("noise2", "Love songs are popular in Hello Kitty land."),
                        List.of(), List.of(new Triple("Hello Kitty", "likes", "love songs")))),
                ProgressListener.NONE);
        return g;
    }

    @Test
    void pageRankReachesTheSecondHop() {
        // One seed fact, so the test isolates the walk from the bridge fact to the answer passage.
        GraphRetrieval r = GraphRetriever.builder(twoHop()).factTopK(1).build().retrieveDetailed(
                "Where did the performer of Hello Love die?", 4);
        assertFalse(r.denseFallback());
        assertEquals("bridge", r.hits().get(0).chunk().id());
        assertEquals("answer", r.hits().get(1).chunk().id());
        assertTrue(r.phraseSeeds().containsKey("hello love"), r.phraseSeeds().toString());
        assertEquals(List.of(new Fact("hello love", "performed by", "zorblax quint")), r.keptFacts());
        assertEquals(2, r.phraseSeeds().size());
        double mass = r.hits().stream().mapToDouble(Hit::score).sum();
        assertTrue(mass > 0 && mass < 1, "passage mass " + mass);
    }

    @Test
    void phraseSeedsFollowTheHippoRag2Formula() {
        KnowledgeGraph g = twoHop();
        String query = "Where did the performer of Hello Love die?";
        GraphRetrieval r = GraphRetriever.builder(g).factTopK(3).phraseTopK(2).build().retrieveDetailed(query, 4);
        // Recompute by hand: min-max-normalised fact scores, top 3 facts, phrase weight = mean of score / #passages.
        TrigramEmbedder emb = new TrigramEmbedder();
        float[] q = emb.embedQuery(query);
        List<Fact> facts = g.facts();
        double[] raw = new double[facts.size()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = VectorMath.dot(q, emb.embed(List.of(facts.get(i).text()),
                    dev.memorag.api.EmbedPurpose.PASSAGE)[0]);
        }
        double[] norm = VectorMath.minMax(raw);
        int[] top = GraphRetriever.topIndices(norm, 3);
        java.util.Map<String, double[]> acc = new java.util.TreeMap<>();
        java.util.Map<String, Integer> passagesWith = new java.util.HashMap<>();
        for (Chunk c : g.passages()) {
            for (Triple t : twoHopTriples().get(c.id())) {
                for (String p : List.of(PhraseNormalizer.normalize(t.subject()), PhraseNormalizer.normalize(t.object()))) {
                    passagesWith.merge(p, 1, Integer::sum);
                }
            }
        }
        for (int f : top) {
            for (String p : List.of(facts.get(f).subject(), facts.get(f).object())) {
                double[] a = acc.computeIfAbsent(p, x -> new double[2]);
                a[0] += norm[f] / passagesWith.get(p);
                a[1]++;
            }
        }
        java.util.Map<String, Double> expected = new java.util.HashMap<>();
        acc.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0] / y.getValue()[1],
                x.getValue()[0] / x.getValue()[1])).limit(2)
                .forEach(e -> expected.put(e.getKey(), e.getValue()[0] / e.getValue()[1]));
        assertEquals(expected.keySet(), r.phraseSeeds().keySet());
        for (String k : expected.keySet()) {
            assertEquals(expected.get(k), r.phraseSeeds().get(k), 1e-12, k);
        }
        assertEquals(3, r.candidateFacts().size());

        // Passages are seeded at 0.05 x min-max-normalised dense score; the hits carry the PageRank mass.
        GraphSnapshot snap = g.snapshot();
        int p = snap.passageCount();
        double[] reset = new double[snap.graph().nodeCount()];
        double[] dense = VectorMath.minMax(VectorMath.scores(snap.passageMatrix, p, q));
        for (int i = 0; i < p; i++) {
            reset[i] = 0.05 * dense[i];
        }
        for (int j = 0; j < snap.phraseCount(); j++) {
            reset[p + j] = expected.getOrDefault(snap.phraseTexts[j], 0.0);
        }
        double[] mass = PersonalizedPageRank.builder().build().run(snap.graph(), reset).scores();
        for (Hit h : r.hits()) {
            assertEquals(mass[snap.passages.indexOf(h.chunk())], h.score(), 1e-15, h.chunk().id());
        }
    }

    private static java.util.Map<String, List<Triple>> twoHopTriples() {
        java.util.Map<String, List<Triple>> m = new java.util.HashMap<>();
        m.put("bridge", List.of(new Triple("Hello Love", "performed by", "Zorblax Quint")));
        m.put("answer", List.of(new Triple("Zorblax Quint", "died in", "Vantaa")));
        m.put("noise1", List.of(new Triple("Paris", "capital of", "France")));
        m.put("noise2", List.of(new Triple("Hello Kitty", "likes", "love songs")));
        return m;
    }

    @Test
    void filterThatKeepsNothingFallsBackToDense() {
        GraphRetriever r = GraphRetriever.builder(twoHop()).filter((q, c) -> List.of()).build();
        GraphRetrieval res = r.retrieveDetailed("Where did the performer of Hello Love die?", 2);
        assertTrue(res.denseFallback());
        assertEquals(4, res.candidateFacts().size());
        assertEquals(2, res.hits().size());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> r.retrieve(" ", 2));
        assertTrue(e.getMessage().contains("blank"));
    }

    @Test
    void llmFilterKeepsOnlyNamedCandidates() {
        LlmTripleExtractorTest.ScriptedGenerator g = new LlmTripleExtractorTest.ScriptedGenerator(
                "{\"facts\": [[\"Zorblax Quint\", \"died in\", \"Vantaa\"], [\"made\", \"up\", \"fact\"]]}",
                "not json at all");
        LlmFactFilter f = new LlmFactFilter(g, 4);
        List<Fact> cands = List.of(new Fact("hello love", "performed by", "zorblax quint"),
                new Fact("zorblax quint", "died in", "vantaa"));
        assertEquals(List.of(cands.get(1)), f.filter("q", cands));
        // An unusable reply keeps the candidates rather than silently dropping them.
        assertEquals(cands, f.filter("q", cands));
    }

    @Test
    void savedIndexReloadsWithTheSameAnswersAndRejectsDamage(@TempDir Path dir) throws IOException {
        ChunkIndexProvider provider = ServiceLoader.load(ChunkIndexProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.kind() == ChunkIndexKind.GRAPH).findFirst()
                .orElseThrow();
        Path openie = dir.resolve("openie.json");
        StringBuilder json = new StringBuilder("{\"docs\": [");
        List<PassageExtraction> corpus = GraphFixtures.corpus(30, 5);
        for (int i = 0; i < corpus.size(); i++) {
            PassageExtraction p = corpus.get(i);
            json.append(i == 0 ? "" : ",").append("{\"passage\": ")
                    .append(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(p.passage().text()))
                    .append(", \"extracted_entities\": [], \"extracted_triples\": [");
            for (int t = 0; t < p.triples().size(); t++) {
                Triple tr = p.triples().get(t);
                json.append(t == 0 ? "" : ",").append("[\"").append(tr.subject()).append("\", \"")
                        .append(tr.relation()).append("\", \"").append(tr.object()).append("\"]");
            }
            json.append("]}");
        }
        Files.writeString(openie, json.append("]}").toString());
        TrigramEmbedder emb = new TrigramEmbedder();
        ChunkIndex index = provider.create(emb, ProviderOptions.EMPTY.with(GraphChunkIndexProvider.OPENIE,
                openie.toString()));
        index.add(corpus.stream().map(PassageExtraction::passage).toList(), ProgressListener.NONE);
        assertEquals(1, index.removeDocuments(List.of("p3")));
        assertEquals(0, index.removeDocuments(List.of("p3")));
        Path saved = dir.resolve("saved");
        index.save(saved);
        ChunkIndex loaded = provider.load(saved, emb);
        assertEquals(index.chunks(), loaded.chunks());
        assertEquals(((GraphChunkIndex) index).graph().edges(), ((GraphChunkIndex) loaded).graph().edges());
        for (String q : List.of("Marie Curie won the Nobel Prize", "Where was Barack Obama born?")) {
            assertEquals(index.retrieve(q, 5), loaded.retrieve(q, 5));
        }
        assertTrue(loaded.describe().startsWith("graph(test-trigram, 29 passages"), loaded.describe());

        InvalidInputException wrongEmbedder = assertThrows(InvalidInputException.class,
                () -> provider.load(saved, new TrigramEmbedder() {
                    @Override
                    public String id() {
                        return "other";
                    }
                }));
        assertTrue(wrongEmbedder.getMessage().contains("'test-trigram'"), wrongEmbedder.getMessage());
        Path csr = saved.resolve(GraphStore.CSR_FILE);
        byte[] bytes = Files.readAllBytes(csr);
        Files.write(csr, java.util.Arrays.copyOf(bytes, bytes.length - 5));
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> provider.load(saved, emb));
        assertTrue(e.getMessage().contains("graph.csr") && e.getMessage().contains("truncated"), e.getMessage());
        bytes[0] = 'X';
        Files.write(csr, bytes);
        e = assertThrows(CorruptDataException.class, () -> provider.load(saved, emb));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    }
}

package dev.memorag.retrieval.graph;

import dev.memorag.api.Chunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A seeded synthetic corpus with overlapping, near-duplicate and non-Latin phrases. */
final class GraphFixtures {
    private GraphFixtures() {
    }

    static final String[] ENTITIES = {
        "Barack Obama", "Barack H. Obama", "Obama", "Michelle Obama", "Chicago", "Chicago, Illinois", "Illinois",
        "Honolulu", "Hawaii", "United States", "the United States", "Harvard Law School", "Harvard University",
        "Columbia University", "New York City", "New York", "東京都", "東京", "Ångström", "Angstrom", "Paris",
        "Paris, France", "France", "Marie Curie", "Pierre Curie", "Nobel Prize", "Nobel Prize in Physics", "radium",
        "polonium", "Warsaw", "Poland", "Ab", "U2", "Dublin", "Ireland"};
    static final String[] RELATIONS = {"born in", "lives in", "studied at", "married to", "located in", "won",
        "discovered", "capital of"};

    static List<PassageExtraction> corpus(int passages, long seed) {
        Random r = new Random(seed);
        List<PassageExtraction> out = new ArrayList<>();
        for (int p = 0; p < passages; p++) {
            List<Triple> triples = new ArrayList<>();
            int n = 1 + r.nextInt(4);
            StringBuilder text = new StringBuilder("Passage " + p + ".");
            for (int t = 0; t < n; t++) {
                Triple tr = new Triple(ENTITIES[r.nextInt(ENTITIES.length)], RELATIONS[r.nextInt(RELATIONS.length)],
                        ENTITIES[r.nextInt(ENTITIES.length)]);
                triples.add(tr);
                text.append(' ').append(tr.subject()).append(' ').append(tr.relation()).append(' ')
                        .append(tr.object()).append('.');
            }
            out.add(new PassageExtraction(chunk("p" + p, text.toString()), List.of(), triples));
        }
        return out;
    }

    static Chunk chunk(String id, String text) {
        return new Chunk(id, id, text, 0, text.length(), 0);
    }
}

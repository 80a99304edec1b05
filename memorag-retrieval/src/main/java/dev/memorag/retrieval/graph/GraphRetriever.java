package dev.memorag.retrieval.graph;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Hit;
import dev.memorag.api.Retriever;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * HippoRAG 2 retrieval over a {@link KnowledgeGraph}: query-to-fact matching (min-max-normalised cosine, top
 * {@code factTopK}), an optional {@link FactFilter}, phrase seeds (for each phrase of a kept fact, the mean over the
 * kept facts containing it of fact score ÷ the number of passages mentioning the phrase; top {@code phraseTopK} kept),
 * every passage seeded at {@code passageNodeWeight} × its min-max-normalised dense score, Personalized PageRank, and
 * passages ranked by PageRank mass. When no fact survives, plain dense retrieval answers.
 *
 * <p>Thread-safety: thread-safe for concurrent queries as long as the graph is not being mutated.
 */
public final class GraphRetriever implements Retriever {
    private final KnowledgeGraph graph;
    private final FactFilter filter;
    private final int factTopK;
    private final int phraseTopK;
    private final double passageNodeWeight;
    private final PersonalizedPageRank ppr;

    private GraphRetriever(Builder b) {
        graph = Objects.requireNonNull(b.graph, "graph");
        filter = b.filter;
        if (b.factTopK <= 0 || b.phraseTopK <= 0) {
            throw new InvalidInputException("GraphRetriever factTopK and phraseTopK must be > 0, were " + b.factTopK
                    + " and " + b.phraseTopK);
        }
        if (!(b.passageNodeWeight >= 0) || Double.isInfinite(b.passageNodeWeight)) {
            throw new InvalidInputException("GraphRetriever.passageNodeWeight must be >= 0, was " + b.passageNodeWeight);
        }
        factTopK = b.factTopK;
        phraseTopK = b.phraseTopK;
        passageNodeWeight = b.passageNodeWeight;
        ppr = b.ppr;
    }

    public static Builder builder(KnowledgeGraph graph) {
        return new Builder(graph);
    }

    @Override
    public List<Hit> retrieve(String query, int k) {
        return retrieveDetailed(query, k).hits();
    }

    /** Retrieves for several queries, embedding them in one batch. */
    public List<GraphRetrieval> retrieveAll(List<String> queries, int k) {
        for (String q : queries) {
            checkQuery(q, k);
        }
        GraphSnapshot s = graph.snapshot();
        float[][] vecs = queries.isEmpty() ? new float[0][]
                : graph.embedder().embed(queries, EmbedPurpose.QUERY);
        List<GraphRetrieval> out = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            out.add(run(s, queries.get(i), vecs[i], k));
        }
        return out;
    }

    /** Retrieves with the intermediate steps. */
    public GraphRetrieval retrieveDetailed(String query, int k) {
        checkQuery(query, k);
        return run(graph.snapshot(), query, graph.embedder().embedQuery(query), k);
    }

    private static void checkQuery(String query, int k) {
        if (query == null || query.isBlank()) {
            throw new InvalidInputException("graph retrieval query must not be blank");
        }
        if (k <= 0) {
            throw new InvalidInputException("graph retrieval k must be > 0, was " + k);
        }
    }

    private GraphRetrieval run(GraphSnapshot s, String query, float[] q, int k) {
        int p = s.passageCount();
        if (p == 0) {
            return new GraphRetrieval(List.of(), List.of(), List.of(), Map.of(), false);
        }
        if (q.length != s.dimension) {
            throw new InvalidInputException("query vector has dimension " + q.length + ", graph has " + s.dimension);
        }
        double[] dense = VectorMath.scores(s.passageMatrix, p, q);
        if (s.factCount() == 0) {
            return fallback(s, dense, k, List.of());
        }
        double[] factScores = VectorMath.minMax(VectorMath.scores(s.factMatrix, s.factCount(), q));
        int[] top = topIndices(factScores, factTopK);
        List<Fact> candidates = new ArrayList<>();
        for (int f : top) {
            candidates.add(s.facts[f]);
        }
        List<Integer> kept = new ArrayList<>();
        if (filter == null) {
            for (int f : top) {
                kept.add(f);
            }
        } else {
            List<Fact> survivors = filter.filter(query, candidates);
            for (int f : top) {
                if (survivors.contains(s.facts[f])) {
                    kept.add(f);
                }
            }
        }
        if (kept.isEmpty()) {
            return fallback(s, dense, k, candidates);
        }
        Map<Integer, double[]> sumAndCount = new HashMap<>();
        for (int f : kept) {
            for (int node : new int[] {s.factSubjectNode[f], s.factObjectNode[f]}) {
                int passagesWithPhrase = Math.max(1, s.phrasePassageCount[node - p]);
                double[] acc = sumAndCount.computeIfAbsent(node, x -> new double[2]);
                acc[0] += factScores[f] / passagesWithPhrase;
                acc[1] += 1;
            }
        }
        int[] nodes = sumAndCount.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        double[] weights = new double[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            double[] acc = sumAndCount.get(nodes[i]);
            weights[i] = acc[0] / acc[1];
        }
        double[] reset = new double[s.csr.nodeCount()];
        Map<String, Double> seeds = new LinkedHashMap<>();
        for (int i : topIndices(weights, phraseTopK)) {
            reset[nodes[i]] = weights[i];
            seeds.put(s.phraseTexts[nodes[i] - p], weights[i]);
        }
        double[] denseNorm = VectorMath.minMax(dense);
        double total = 0;
        for (int i = 0; i < p; i++) {
            reset[i] = passageNodeWeight * denseNorm[i];
        }
        for (double v : reset) {
            total += v;
        }
        List<Fact> keptFacts = new ArrayList<>();
        for (int f : kept) {
            keptFacts.add(s.facts[f]);
        }
        if (!(total > 0)) {
            return fallback(s, dense, k, candidates);
        }
        double[] mass = ppr.run(s.csr, reset).scores();
        double[] passageMass = java.util.Arrays.copyOf(mass, p);
        List<Hit> hits = new ArrayList<>();
        for (int i : topIndices(passageMass, Math.min(k, p))) {
            hits.add(new Hit(s.passages.get(i), passageMass[i]));
        }
        return new GraphRetrieval(hits, candidates, keptFacts, seeds, false);
    }

    private static GraphRetrieval fallback(GraphSnapshot s, double[] dense, int k, List<Fact> candidates) {
        List<Hit> hits = new ArrayList<>();
        for (int i : topIndices(dense, Math.min(k, dense.length))) {
            hits.add(new Hit(s.passages.get(i), dense[i]));
        }
        return new GraphRetrieval(hits, candidates, List.of(), Map.of(), true);
    }

    /** Indices of the {@code k} largest values, best first; ties go to the lower index. */
    static int[] topIndices(double[] v, int k) {
        int n = Math.min(k, v.length);
        // Simple partial selection: k is small (5..20) compared with the arrays.
        int[] best = new int[n];
        int size = 0;
        for (int i = 0; i < v.length; i++) {
            if (size < n) {
                int j = size++;
                while (j > 0 && v[best[j - 1]] < v[i]) {
                    best[j] = best[j - 1];
                    j--;
                }
                best[j] = i;
            } else if (n > 0 && v[i] > v[best[n - 1]]) {
                int j = n - 1;
                while (j > 0 && v[best[j - 1]] < v[i]) {
                    best[j] = best[j - 1];
                    j--;
                }
                best[j] = i;
            }
        }
        return best;
    }

    /** Builder with HippoRAG 2's settings: 5 facts, 5 phrases, passage weight 0.05, damping 0.5, no filter. */
    public static final class Builder {
        private final KnowledgeGraph graph;
        private FactFilter filter;
        private int factTopK = 5;
        private int phraseTopK = 5;
        private double passageNodeWeight = 0.05;
        private PersonalizedPageRank ppr = PersonalizedPageRank.builder().build();

        private Builder(KnowledgeGraph graph) {
            this.graph = graph;
        }

        /** The recognition filter (for example {@link LlmFactFilter}); {@code null} keeps every top fact. */
        public Builder filter(FactFilter v) {
            filter = v;
            return this;
        }

        public Builder factTopK(int v) {
            factTopK = v;
            return this;
        }

        public Builder phraseTopK(int v) {
            phraseTopK = v;
            return this;
        }

        public Builder passageNodeWeight(double v) {
            passageNodeWeight = v;
            return this;
        }

        public Builder pageRank(PersonalizedPageRank v) {
            ppr = Objects.requireNonNull(v, "pageRank");
            return this;
        }

        public GraphRetriever build() {
            return new GraphRetriever(this);
        }
    }
}

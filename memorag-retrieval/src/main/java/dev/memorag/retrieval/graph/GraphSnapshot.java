package dev.memorag.retrieval.graph;

import dev.memorag.api.Chunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable, array-backed view of a {@link KnowledgeGraph} for retrieval: the CSR graph (passage nodes
 * {@code 0..P-1}, then phrase nodes {@code P..P+Q-1}), row-major fact and passage embedding matrices, and the
 * fact→phrase-node and phrase→passage-count tables that seeding needs.
 *
 * <p>Thread-safety: immutable; safe to query from any number of threads.
 */
public final class GraphSnapshot {
    final CsrGraph csr;
    final List<Chunk> passages;
    final float[] passageMatrix;
    final String[] phraseTexts;
    final int[] phrasePassageCount;
    final Fact[] facts;
    final float[] factMatrix;
    final int[] factSubjectNode;
    final int[] factObjectNode;
    final int dimension;

    GraphSnapshot(CsrGraph csr, List<Chunk> passages, float[] passageMatrix, String[] phraseTexts,
            int[] phrasePassageCount, Fact[] facts, float[] factMatrix, int[] factSubjectNode, int[] factObjectNode,
            int dimension) {
        this.csr = csr;
        this.passages = List.copyOf(passages);
        this.passageMatrix = passageMatrix;
        this.phraseTexts = phraseTexts;
        this.phrasePassageCount = phrasePassageCount;
        this.facts = facts;
        this.factMatrix = factMatrix;
        this.factSubjectNode = factSubjectNode;
        this.factObjectNode = factObjectNode;
        this.dimension = dimension;
    }

    static GraphSnapshot build(KnowledgeGraph g) {
        return build(g, null);
    }

    /** Builds the view; {@code loadedCsr}, when given, is a saved CSR graph used instead of rebuilding the edges. */
    static GraphSnapshot build(KnowledgeGraph g, CsrGraph loadedCsr) {
        int dim = g.embedder().dimension();
        List<Chunk> passages = new ArrayList<>();
        float[] passageMatrix = new float[g.passageEntries().size() * dim];
        for (KnowledgeGraph.PassageEntry p : g.passageEntries()) {
            System.arraycopy(p.vector, 0, passageMatrix, passages.size() * dim, dim);
            passages.add(p.chunk);
        }
        int pCount = passages.size();
        Map<String, Integer> phraseNode = new HashMap<>();
        String[] phraseTexts = new String[g.phraseEntries().size()];
        int[] phraseCounts = new int[phraseTexts.length];
        for (KnowledgeGraph.PhraseEntry ph : g.phraseEntries()) {
            int j = phraseNode.size();
            phraseNode.put(ph.text, pCount + j);
            phraseTexts[j] = ph.text;
            phraseCounts[j] = ph.passageCount;
        }
        Fact[] facts = new Fact[g.factEntries().size()];
        float[] factMatrix = new float[facts.length * dim];
        int[] subj = new int[facts.length];
        int[] obj = new int[facts.length];
        int fi = 0;
        for (KnowledgeGraph.FactEntry fe : g.factEntries()) {
            facts[fi] = fe.fact;
            System.arraycopy(fe.vector, 0, factMatrix, fi * dim, dim);
            subj[fi] = phraseNode.get(fe.fact.subject());
            obj[fi] = phraseNode.get(fe.fact.object());
            fi++;
        }
        if (loadedCsr != null) {
            return new GraphSnapshot(loadedCsr, passages, passageMatrix, phraseTexts, phraseCounts, facts, factMatrix,
                    subj, obj, dim);
        }
        EdgeList edges = new EdgeList();
        int pi = 0;
        for (KnowledgeGraph.PassageEntry p : g.passageEntries()) {
            for (String ph : p.phrases) {
                edges.add(pi, phraseNode.get(ph), 1.0);
            }
            pi++;
        }
        g.relationCounts().forEach((k, c) -> {
            int cut = k.indexOf('\0');
            int a = phraseNode.get(k.substring(0, cut));
            int b = phraseNode.get(k.substring(cut + 1));
            // A fact relating a phrase to itself carries no path information: no self-loop.
            if (a != b) {
                edges.add(a, b, KnowledgeGraph.RELATION_WEIGHT * c);
            }
        });
        g.forEachSynonymPair((a, b, sim) -> edges.add(phraseNode.get(a.text), phraseNode.get(b.text), sim));
        CsrGraph csr = CsrGraph.fromEdges(pCount + phraseTexts.length, edges.from, edges.to, edges.weight, edges.size);
        return new GraphSnapshot(csr, passages, passageMatrix, phraseTexts, phraseCounts, facts, factMatrix, subj, obj,
                dim);
    }

    /** The PageRank graph. */
    public CsrGraph graph() {
        return csr;
    }

    public int passageCount() {
        return passages.size();
    }

    public int phraseCount() {
        return phraseTexts.length;
    }

    public int factCount() {
        return facts.length;
    }

    /** Growable primitive edge arrays. */
    static final class EdgeList {
        int[] from = new int[1024];
        int[] to = new int[1024];
        double[] weight = new double[1024];
        int size;

        void add(int a, int b, double w) {
            if (size == from.length) {
                from = java.util.Arrays.copyOf(from, size * 2);
                to = java.util.Arrays.copyOf(to, size * 2);
                weight = java.util.Arrays.copyOf(weight, size * 2);
            }
            from[size] = a;
            to[size] = b;
            weight[size++] = w;
        }
    }
}

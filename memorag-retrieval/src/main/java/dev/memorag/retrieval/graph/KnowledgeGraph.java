package dev.memorag.retrieval.graph;

import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.api.Chunk;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * HippoRAG 2's knowledge graph: passage nodes, phrase nodes (subjects and objects of facts, {@link PhraseNormalizer
 * normalised}), passage→phrase edges (1.0), subject–object relation edges (+2 per fact per passage) and synonym edges
 * between phrases whose embeddings have cosine ≥ {@link GraphSettings#synonymThreshold} (each phrase's
 * {@link GraphSettings#maxSynonyms} nearest neighbours; one undirected edge per pair weighing the cosine once per
 * neighbour list that holds the pair). Phrase–phrase weights count both directions as HippoRAG 2 does: it records
 * those edges once per direction and its undirected graph adds them up. Facts and
 * passages are embedded for query matching and dense seeding.
 *
 * <p>Incremental by construction: an insert embeds and searches neighbours only for new phrases (against all phrases)
 * and offers each new phrase to the existing phrases' neighbour lists, so inserting in batches yields exactly the
 * graph of one insert; a pair is one edge, never duplicated. (Exactly, given an embedder whose vectors do not depend
 * on which texts share a batch: dynamically quantised ONNX models such as bge-small-en-v1.5-q compute one activation
 * scale per batch, so their vectors move by about 1e-2 with the batch; configure batch size 1 for bit-identical
 * graphs.) Removing a passage removes the facts and phrases only it
 * supported; neighbour lists that lose a member while full are recomputed. Every mutation validates and embeds first
 * and changes nothing when that fails.
 *
 * <p>Thread-safety: not thread-safe for mutation; {@link #insert} and {@link #removePassage} need exclusive access.
 * {@link #snapshot()} is synchronized and returns an immutable view that any number of threads may query.
 */
public final class KnowledgeGraph {
    static final Comparator<Neighbor> NEIGHBOR_ORDER = Comparator.comparingDouble((Neighbor n) -> -n.similarity)
            .thenComparing(n -> n.phrase.text);

    /**
     * Weight of a relation edge per (passage, fact): HippoRAG 2 records each phrase–phrase edge in both directions
     * before building its undirected graph, where the two add up (passage–phrase edges are recorded once).
     */
    static final double RELATION_WEIGHT = 2.0;

    private final Embedder embedder;
    private final GraphSettings settings;
    private final Map<String, PassageEntry> passages = new LinkedHashMap<>();
    private final Map<String, PhraseEntry> phrases = new LinkedHashMap<>();
    private final Map<Fact, FactEntry> facts = new LinkedHashMap<>();
    /** Unordered phrase pair ("a\0b", a &lt; b) to the number of (passage, fact) pairs relating them. */
    private final Map<String, Integer> relationCounts = new HashMap<>();
    private GraphSnapshot snapshot;

    public KnowledgeGraph(Embedder embedder, GraphSettings settings) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public Embedder embedder() {
        return embedder;
    }

    public GraphSettings settings() {
        return settings;
    }

    /**
     * Adds passages with their extracted triples. Invalid triples (a field empty or longer than
     * {@link Fact#MAX_FIELD_CHARS} after normalisation) are dropped and listed in the report.
     *
     * @throws InvalidInputException when a passage id is already in the graph or repeated in {@code items}; nothing
     *     is changed
     */
    public InsertReport insert(List<PassageExtraction> items, ProgressListener progress) {
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(progress, "progress");
        Set<String> batchIds = new HashSet<>();
        for (PassageExtraction item : items) {
            String id = item.passage().id();
            if (passages.containsKey(id) || !batchIds.add(id)) {
                throw new InvalidInputException("passage id '" + id + "' is already in the graph"
                        + (passages.containsKey(id) ? "" : " (repeated in this insert)"));
            }
        }
        List<String> dropped = new ArrayList<>();
        List<List<Fact>> itemFacts = new ArrayList<>();
        Set<String> newPhraseTexts = new LinkedHashSet<>();
        Set<Fact> newFacts = new LinkedHashSet<>();
        for (PassageExtraction item : items) {
            Set<Fact> kept = new LinkedHashSet<>();
            for (int t = 0; t < item.triples().size(); t++) {
                StringBuilder reason = new StringBuilder();
                Fact f = Fact.of(item.triples().get(t), reason);
                if (f == null) {
                    dropped.add("passage '" + item.passage().id() + "' triple " + t + ": " + reason);
                    continue;
                }
                kept.add(f);
                for (String p : List.of(f.subject(), f.object())) {
                    if (!phrases.containsKey(p)) {
                        newPhraseTexts.add(p);
                    }
                }
                if (!facts.containsKey(f)) {
                    newFacts.add(f);
                }
            }
            itemFacts.add(new ArrayList<>(kept));
        }
        // Everything that can fail happens before the first change.
        List<String> passageTexts = new ArrayList<>();
        for (PassageExtraction item : items) {
            passageTexts.add(item.passage().text());
        }
        float[][] passageVecs = embed(passageTexts, "passages", progress);
        List<String> phraseList = new ArrayList<>(newPhraseTexts);
        float[][] phraseVecs = embed(phraseList, "phrases", progress);
        List<Fact> factList = new ArrayList<>(newFacts);
        List<String> factTexts = new ArrayList<>();
        for (Fact f : factList) {
            factTexts.add(f.text());
        }
        float[][] factVecs = embed(factTexts, "facts", progress);

        List<PhraseEntry> created = new ArrayList<>();
        for (int i = 0; i < phraseList.size(); i++) {
            created.add(new PhraseEntry(phraseList.get(i), phraseVecs[i],
                    PhraseNormalizer.alphanumericCount(phraseList.get(i)) >= settings.minSynonymChars()));
        }
        Map<PhraseEntry, List<Neighbor>> updatedOld = linkSynonyms(created, progress);

        // Commit: in-memory only from here on.
        for (PhraseEntry p : created) {
            phrases.put(p.text, p);
        }
        updatedOld.forEach((p, list) -> p.neighbors = list);
        for (int i = 0; i < factList.size(); i++) {
            facts.put(factList.get(i), new FactEntry(factList.get(i), factVecs[i]));
        }
        for (int i = 0; i < items.size(); i++) {
            Chunk chunk = items.get(i).passage();
            addPassage(new PassageEntry(chunk, passageVecs[i], itemFacts.get(i)));
        }
        snapshot = null;
        return new InsertReport(items.size(), created.size(), factList.size(), dropped);
    }

    /**
     * Removes a passage, the facts no other passage states, and the phrases no remaining passage mentions.
     *
     * @throws InvalidInputException when {@code passageId} is not in the graph (never added, or already removed);
     *     the graph is unchanged
     */
    public void removePassage(String passageId) {
        PassageEntry pe = passages.get(passageId);
        if (pe == null) {
            throw new InvalidInputException("passage '" + passageId + "' is not in the graph (never added or already"
                    + " removed)");
        }
        passages.remove(passageId);
        for (Fact f : pe.facts) {
            FactEntry fe = facts.get(f);
            if (--fe.passageCount == 0) {
                facts.remove(f);
            }
            String key = pairKey(f.subject(), f.object());
            if (relationCounts.merge(key, -1, Integer::sum) == 0) {
                relationCounts.remove(key);
            }
        }
        List<PhraseEntry> gone = new ArrayList<>();
        for (String p : pe.phrases) {
            PhraseEntry ph = phrases.get(p);
            if (--ph.passageCount == 0) {
                phrases.remove(p);
                gone.add(ph);
            }
        }
        if (!gone.isEmpty()) {
            unlinkSynonyms(new HashSet<>(gone));
        }
        snapshot = null;
    }

    /** Whether a passage with this id is in the graph. */
    public boolean containsPassage(String passageId) {
        return passages.containsKey(passageId);
    }

    /** The passages, in insertion order. */
    public List<Chunk> passages() {
        List<Chunk> out = new ArrayList<>(passages.size());
        for (PassageEntry p : passages.values()) {
            out.add(p.chunk);
        }
        return out;
    }

    /** Phrase node texts, in insertion order. */
    public List<String> phrases() {
        return List.copyOf(phrases.keySet());
    }

    /** Facts, in insertion order. */
    public List<Fact> facts() {
        return List.copyOf(facts.keySet());
    }

    /** Every edge, sorted by kind, then node keys. */
    public List<GraphEdge> edges() {
        List<GraphEdge> out = new ArrayList<>();
        for (PassageEntry p : passages.values()) {
            for (String ph : p.phrases) {
                out.add(edge(GraphEdge.Kind.PASSAGE, "passage:" + p.chunk.id(), "phrase:" + ph, 1.0));
            }
        }
        relationCounts.forEach((k, c) -> {
            int cut = k.indexOf('\0');
            out.add(edge(GraphEdge.Kind.RELATION, "phrase:" + k.substring(0, cut), "phrase:" + k.substring(cut + 1),
                    RELATION_WEIGHT * c));
        });
        forEachSynonymPair((a, b, sim) -> out.add(edge(GraphEdge.Kind.SYNONYM, "phrase:" + a.text, "phrase:" + b.text,
                sim)));
        out.sort(Comparator.comparing(GraphEdge::kind).thenComparing(GraphEdge::a).thenComparing(GraphEdge::b));
        return out;
    }

    /** An immutable view for retrieval (CSR graph, fact and passage matrices), rebuilt after each change. */
    public synchronized GraphSnapshot snapshot() {
        if (snapshot == null) {
            snapshot = GraphSnapshot.build(this);
        }
        return snapshot;
    }

    // ---- package-private access for GraphSnapshot and GraphStore ----

    Collection<PassageEntry> passageEntries() {
        return passages.values();
    }

    Collection<PhraseEntry> phraseEntries() {
        return phrases.values();
    }

    Collection<FactEntry> factEntries() {
        return facts.values();
    }

    Map<String, Integer> relationCounts() {
        return relationCounts;
    }

    /** Registers a passage whose facts and phrases are already in the graph, counting it for each of them. */
    private void addPassage(PassageEntry pe) {
        passages.put(pe.chunk.id(), pe);
        for (Fact f : pe.facts) {
            facts.get(f).passageCount++;
            relationCounts.merge(pairKey(f.subject(), f.object()), 1, Integer::sum);
        }
        for (String p : pe.phrases) {
            phrases.get(p).passageCount++;
        }
    }

    /** Restores state read by {@link GraphStore} into this empty graph. */
    void restore(List<PassageEntry> ps, List<PhraseEntry> phs, List<FactEntry> fs) {
        for (PhraseEntry p : phs) {
            phrases.put(p.text, p);
        }
        for (FactEntry f : fs) {
            facts.put(f.fact, f);
        }
        ps.forEach(this::addPassage);
        snapshot = null;
    }

    /** Installs a snapshot built from loaded files, so that a reloaded graph does not rebuild its edges. */
    synchronized void installSnapshot(GraphSnapshot loaded) {
        snapshot = loaded;
    }

    interface PairVisitor {
        void visit(PhraseEntry a, PhraseEntry b, double similarity);
    }

    /**
     * Visits each synonym pair once ({@code a.text < b.text}) with its edge weight: the cosine once for every
     * neighbour list that names the pair (HippoRAG 2 records a synonym edge per direction, so a mutual pair weighs
     * twice its cosine).
     */
    void forEachSynonymPair(PairVisitor visitor) {
        Map<PhraseEntry, Integer> index = new java.util.IdentityHashMap<>();
        for (PhraseEntry p : phrases.values()) {
            index.put(p, index.size());
        }
        Map<Long, Double> weight = new HashMap<>();
        Map<Long, PhraseEntry[]> pair = new LinkedHashMap<>();
        for (PhraseEntry a : phrases.values()) {
            int ia = index.get(a);
            for (Neighbor n : a.neighbors) {
                PhraseEntry b = n.phrase;
                int ib = index.get(b);
                long key = ia < ib ? ((long) ia << 32) | ib : ((long) ib << 32) | ia;
                weight.merge(key, n.similarity, Double::sum);
                pair.computeIfAbsent(key, k -> a.text.compareTo(b.text) < 0 ? new PhraseEntry[] {a, b}
                        : new PhraseEntry[] {b, a});
            }
        }
        pair.forEach((key, ab) -> visitor.visit(ab[0], ab[1], weight.get(key)));
    }

    // ---- synonyms ----

    /**
     * Computes neighbour lists for {@code created} (against all eligible phrases, old and new) and the updated lists
     * of old phrases that gain a new neighbour. Nothing is modified: the caller commits.
     */
    private Map<PhraseEntry, List<Neighbor>> linkSynonyms(List<PhraseEntry> created, ProgressListener progress) {
        Map<PhraseEntry, List<Neighbor>> updatedOld = new HashMap<>();
        List<PhraseEntry> fresh = new ArrayList<>();
        for (PhraseEntry p : created) {
            if (p.eligible) {
                fresh.add(p);
            }
        }
        if (fresh.isEmpty() || settings.maxSynonyms() == 0) {
            return updatedOld;
        }
        List<PhraseEntry> all = new ArrayList<>();
        for (PhraseEntry p : phrases.values()) {
            if (p.eligible) {
                all.add(p);
            }
        }
        all.addAll(fresh);
        Set<PhraseEntry> freshSet = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        freshSet.addAll(fresh);
        List<List<Neighbor>> candidates = neighborCandidates(fresh, all, progress);
        for (int i = 0; i < fresh.size(); i++) {
            PhraseEntry p = fresh.get(i);
            List<Neighbor> cands = candidates.get(i);
            cands.sort(NEIGHBOR_ORDER);
            p.neighbors = new ArrayList<>(cands.subList(0, Math.min(settings.maxSynonyms(), cands.size())));
            for (Neighbor n : cands) {
                if (!freshSet.contains(n.phrase)) {
                    List<Neighbor> list = updatedOld.computeIfAbsent(n.phrase, k -> new ArrayList<>(k.neighbors));
                    offer(list, new Neighbor(p, n.similarity));
                }
            }
        }
        return updatedOld;
    }

    /** For each query phrase, all phrases of {@code all} (except itself) with cosine ≥ threshold. */
    private List<List<Neighbor>> neighborCandidates(List<PhraseEntry> queries, List<PhraseEntry> all,
            ProgressListener progress) {
        List<List<Neighbor>> out = new ArrayList<>();
        List<float[]> qv = new ArrayList<>(queries.size());
        for (PhraseEntry q : queries) {
            out.add(new ArrayList<>());
            qv.add(q.vector);
        }
        List<float[]> cv = new ArrayList<>(all.size());
        for (PhraseEntry c : all) {
            cv.add(c.vector);
        }
        double threshold = settings.synonymThreshold();
        progress.onProgress("graph synonyms", 0, queries.size());
        SimilarityScreen.screen(qv, cv, (float) threshold, (i, j) -> {
            PhraseEntry q = queries.get(i);
            PhraseEntry c = all.get(j);
            if (c == q) {
                return;
            }
            // The exact, layout-independent value decides (the screen may report pairs slightly below).
            float s = VectorMath.dot(q.vector, c.vector);
            if (s >= threshold) {
                out.get(i).add(new Neighbor(c, s));
            }
        });
        progress.onProgress("graph synonyms", queries.size(), queries.size());
        return out;
    }

    private void offer(List<Neighbor> list, Neighbor n) {
        int pos = java.util.Collections.binarySearch(list, n, NEIGHBOR_ORDER);
        int at = pos >= 0 ? pos : -pos - 1;
        if (at >= settings.maxSynonyms()) {
            return;
        }
        list.add(at, n);
        if (list.size() > settings.maxSynonyms()) {
            list.remove(list.size() - 1);
        }
    }

    /** Drops removed phrases from neighbour lists; lists that were full are recomputed (a 101st may move up). */
    private void unlinkSynonyms(Set<PhraseEntry> gone) {
        List<PhraseEntry> recompute = new ArrayList<>();
        for (PhraseEntry p : phrases.values()) {
            boolean wasFull = p.neighbors.size() >= settings.maxSynonyms();
            if (p.neighbors.removeIf(n -> gone.contains(n.phrase)) && wasFull) {
                recompute.add(p);
            }
        }
        if (recompute.isEmpty()) {
            return;
        }
        List<PhraseEntry> all = new ArrayList<>();
        for (PhraseEntry p : phrases.values()) {
            if (p.eligible) {
                all.add(p);
            }
        }
        List<List<Neighbor>> cands = neighborCandidates(recompute, all, ProgressListener.NONE);
        for (int i = 0; i < recompute.size(); i++) {
            List<Neighbor> c = cands.get(i);
            c.sort(NEIGHBOR_ORDER);
            recompute.get(i).neighbors = new ArrayList<>(c.subList(0, Math.min(settings.maxSynonyms(), c.size())));
        }
    }

    private float[][] embed(List<String> texts, String what, ProgressListener progress) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        float[][] v = embedder.embed(texts, EmbedPurpose.PASSAGE,
                (stage, done, total) -> progress.onProgress("graph embed " + what, done, total));
        if (v.length != texts.size()) {
            throw new ModelException("embedder " + embedder.id() + " returned " + v.length + " vectors for "
                    + texts.size() + " " + what);
        }
        for (float[] row : v) {
            if (row.length != embedder.dimension()) {
                throw new ModelException("embedder " + embedder.id() + " returned a vector of dimension " + row.length
                        + ", expected " + embedder.dimension());
            }
        }
        return v;
    }

    private static GraphEdge edge(GraphEdge.Kind kind, String a, String b, double w) {
        return a.compareTo(b) <= 0 ? new GraphEdge(kind, a, b, w) : new GraphEdge(kind, b, a, w);
    }

    static String pairKey(String a, String b) {
        return a.compareTo(b) <= 0 ? a + '\0' + b : b + '\0' + a;
    }

    // ---- entries ----

    static final class PassageEntry {
        final Chunk chunk;
        final float[] vector;
        final List<Fact> facts;
        final Set<String> phrases = new LinkedHashSet<>();

        PassageEntry(Chunk chunk, float[] vector, List<Fact> facts) {
            this.chunk = chunk;
            this.vector = vector;
            this.facts = List.copyOf(facts);
            for (Fact f : this.facts) {
                phrases.add(f.subject());
                phrases.add(f.object());
            }
        }
    }

    static final class PhraseEntry {
        final String text;
        final float[] vector;
        final boolean eligible;
        int passageCount;
        List<Neighbor> neighbors = new ArrayList<>();

        PhraseEntry(String text, float[] vector, boolean eligible) {
            this.text = text;
            this.vector = vector;
            this.eligible = eligible;
        }
    }

    static final class FactEntry {
        final Fact fact;
        final float[] vector;
        int passageCount;

        FactEntry(Fact fact, float[] vector) {
            this.fact = fact;
            this.vector = vector;
        }
    }

    static final class Neighbor {
        final PhraseEntry phrase;
        final double similarity;

        Neighbor(PhraseEntry phrase, double similarity) {
            this.phrase = phrase;
            this.similarity = similarity;
        }
    }
}

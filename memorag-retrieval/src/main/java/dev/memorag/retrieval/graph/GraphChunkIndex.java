package dev.memorag.retrieval.graph;

import dev.memorag.error.GenerationException;
import dev.memorag.error.StateException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkIndex} of kind GRAPH: chunks become passage nodes of a {@link KnowledgeGraph}, their facts come from a
 * {@link TripleExtractor}, and queries go through a {@link GraphRetriever}. When extraction fails for some chunks the
 * whole {@link #add} fails and nothing is added, unless {@link Builder#allowFailedExtractions} is set; then those
 * chunks are added without facts (still reachable through dense seeding) and a warning names them.
 *
 * <p>Thread-safety: queries run concurrently with each other; {@link #add}, {@link #removeDocuments} and
 * {@link #save} take an exclusive lock, so they are safe to call concurrently with queries too.
 */
public final class GraphChunkIndex implements ChunkIndex {
    private static final Logger LOG = LoggerFactory.getLogger(GraphChunkIndex.class);

    private final KnowledgeGraph graph;
    private final TripleExtractor extractor;
    private final GraphRetriever retriever;
    private final boolean allowFailedExtractions;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile List<ExtractionResult> lastExtraction = List.of();
    private final List<AutoCloseable> owned;
    private volatile boolean closed;

    private GraphChunkIndex(KnowledgeGraph graph, Builder b) {
        this.graph = graph;
        this.extractor = b.extractor;
        this.allowFailedExtractions = b.allowFailedExtractions;
        this.retriever = GraphRetriever.builder(graph).filter(b.filter).build();
        this.owned = List.copyOf(b.owned);
    }

    /** A new, empty index embedding with {@code embedder}. */
    public static Builder builder(Embedder embedder) {
        return new Builder(Objects.requireNonNull(embedder, "embedder"));
    }

    /** The graph (for inspection; mutate it only through this index). */
    public KnowledgeGraph graph() {
        return graph;
    }

    /** Per-chunk extraction results of the last {@link #add}. */
    public List<ExtractionResult> lastExtraction() {
        return lastExtraction;
    }

    @Override
    public void add(List<Chunk> chunks, ProgressListener progress) {
        if (extractor == null) {
            throw new StateException("graph index has no triple extractor (it was loaded without one): cannot add"
                    + " chunks");
        }
        lock.writeLock().lock();
        try {
            checkOpen();
            // Check ids before paying for extraction.
            Set<String> ids = new HashSet<>();
            for (Chunk c : chunks) {
                if (graph.containsPassage(c.id()) || !ids.add(c.id())) {
                    throw new dev.memorag.error.InvalidInputException("chunk id '" + c.id() + "' is already in the graph"
                            + " index or repeated in this add");
                }
            }
            List<ExtractionResult> results = extractor.extract(chunks, progress);
            lastExtraction = List.copyOf(results);
            List<String> failures = new ArrayList<>();
            List<PassageExtraction> items = new ArrayList<>();
            for (ExtractionResult r : results) {
                if (r.status() == ExtractionResult.Status.FAILED) {
                    failures.add(r.chunk().id() + ": " + r.message());
                }
                items.add(r.toPassage());
            }
            if (!failures.isEmpty()) {
                String summary = failures.size() + " of " + chunks.size() + " chunks failed extraction ("
                        + String.join("; ", failures.subList(0, Math.min(5, failures.size())))
                        + (failures.size() > 5 ? "; ..." : "") + ")";
                if (!allowFailedExtractions) {
                    throw new GenerationException(summary + "; nothing was added");
                }
                LOG.warn("{}; adding them without facts", summary);
            }
            InsertReport report = graph.insert(items, progress);
            if (!report.droppedTriples().isEmpty()) {
                LOG.info("graph insert dropped {} invalid triples, first: {}", report.droppedTriples().size(),
                        report.droppedTriples().get(0));
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public int removeDocuments(Collection<String> documentIds) {
        lock.writeLock().lock();
        try {
            checkOpen();
            Set<String> docs = new HashSet<>(documentIds);
            int removed = 0;
            for (Chunk c : graph.passages()) {
                if (docs.contains(c.documentId())) {
                    graph.removePassage(c.id());
                    removed++;
                }
            }
            return removed;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public List<Chunk> chunks() {
        return underReadLock(graph::passages);
    }

    @Override
    public List<Hit> retrieve(String query, int k) {
        return underReadLock(() -> retriever.retrieve(query, k));
    }

    @Override
    public List<List<Hit>> retrieveAll(List<String> queries, int k) {
        List<List<Hit>> out = new ArrayList<>();
        for (GraphRetrieval r : retrieveDetailed(queries, k)) {
            out.add(r.hits());
        }
        return out;
    }

    /** Retrieval with intermediate steps (facts, seeds, fallback) for several queries. */
    public List<GraphRetrieval> retrieveDetailed(List<String> queries, int k) {
        return underReadLock(() -> retriever.retrieveAll(queries, k));
    }

    private <T> T underReadLock(Supplier<T> read) {
        lock.readLock().lock();
        try {
            checkOpen();
            return read.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void save(Path directory) {
        lock.writeLock().lock();
        try {
            GraphStore.save(graph, directory);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String describe() {
        GraphSnapshot s = graph.snapshot();
        return "graph(" + graph.embedder().id() + ", " + s.passageCount() + " passages, " + s.phraseCount()
                + " phrases, " + s.factCount() + " facts, " + s.graph().entryCount() / 2 + " edges)";
    }

    private void checkOpen() {
        if (closed) {
            throw new StateException(describe() + " is closed");
        }
    }

    /** Closes the resources handed over with {@link Builder#closeWith}; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", c, e.toString());
            }
        }
    }

    /** Builder; {@link #build()} makes an empty index, {@link #load(Path)} reopens a saved one. */
    public static final class Builder {
        private final Embedder embedder;
        private TripleExtractor extractor;
        private FactFilter filter;
        private GraphSettings settings = GraphSettings.DEFAULT;
        private boolean allowFailedExtractions;
        private final List<AutoCloseable> owned = new ArrayList<>();

        private Builder(Embedder embedder) {
            this.embedder = embedder;
        }

        /** Where facts for new chunks come from; required to {@link GraphChunkIndex#add}. */
        public Builder extractor(TripleExtractor v) {
            extractor = v;
            return this;
        }

        /** Optional recognition filter. */
        public Builder filter(FactFilter v) {
            filter = v;
            return this;
        }

        public Builder settings(GraphSettings v) {
            settings = Objects.requireNonNull(v, "settings");
            return this;
        }

        /** Add chunks whose extraction failed without facts instead of failing the whole add. */
        public Builder allowFailedExtractions(boolean v) {
            allowFailedExtractions = v;
            return this;
        }

        /** Hands over a resource (a generator created for this index) to be closed with the index. */
        public Builder closeWith(AutoCloseable v) {
            owned.add(Objects.requireNonNull(v, "resource"));
            return this;
        }

        public GraphChunkIndex build() {
            return new GraphChunkIndex(new KnowledgeGraph(embedder, settings), this);
        }

        /** Reopens an index saved in {@code directory} (its saved synonym settings win over {@link #settings}). */
        public GraphChunkIndex load(Path directory) {
            return new GraphChunkIndex(GraphStore.load(directory, embedder), this);
        }
    }
}

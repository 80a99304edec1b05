package dev.memorag.retrieval.lexical;

import dev.memorag.error.StorageException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.api.ScoredId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;

/**
 * In-memory BM25 (k1 1.2, b 0.75 by default) over {@link WordAnalyzer} terms, on Lucene. Query terms that repeat are
 * weighted by their count, as a bag-of-words BM25 sums over query tokens.
 *
 * <p>Thread-safety: thread-safe; searches see the state after the last completed mutation.
 */
public final class Bm25Index implements AutoCloseable {
    private static final String ID = "id";
    private static final String TEXT = "text";

    private final Directory directory = new ByteBuffersDirectory();
    private final IndexWriter writer;
    private final BM25Similarity similarity;
    private volatile IndexSearcher searcher;
    private boolean closed;

    /** BM25 with k1 1.2 and b 0.75. */
    public Bm25Index() {
        this(1.2f, 0.75f);
    }

    public Bm25Index(float k1, float b) {
        this.similarity = new BM25Similarity(k1, b);
        try {
            IndexWriterConfig cfg = new IndexWriterConfig(new WordAnalyzer()).setSimilarity(similarity);
            this.writer = new IndexWriter(directory, cfg);
        } catch (IOException e) {
            throw new StorageException("BM25 index I/O failed: " + e.getMessage(), e);
        }
    }

    /** Adds texts under caller-assigned ids. */
    public synchronized void add(long[] ids, List<String> texts) {
        if (ids.length != texts.size()) {
            throw new InvalidInputException("ids.length " + ids.length + " != texts.size " + texts.size());
        }
        checkOpen();
        try {
            for (int i = 0; i < ids.length; i++) {
                Document d = new Document();
                d.add(new StringField(ID, Long.toString(ids[i]), Field.Store.NO));
                d.add(new NumericDocValuesField(ID, ids[i]));
                d.add(new TextField(TEXT, Objects.requireNonNull(texts.get(i), "text"), Field.Store.NO));
                writer.addDocument(d);
            }
            refresh();
        } catch (IOException e) {
            throw new StorageException("BM25 index I/O failed: " + e.getMessage(), e);
        }
    }

    /** Removes ids; unknown ids are ignored. */
    public synchronized void remove(Collection<Long> ids) {
        checkOpen();
        try {
            Term[] terms = ids.stream().map(id -> new Term(ID, Long.toString(id))).toArray(Term[]::new);
            writer.deleteDocuments(terms);
            refresh();
        } catch (IOException e) {
            throw new StorageException("BM25 index I/O failed: " + e.getMessage(), e);
        }
    }

    private void refresh() throws IOException {
        writer.commit();
        IndexSearcher s = new IndexSearcher(DirectoryReader.open(directory));
        s.setSimilarity(similarity);
        IndexSearcher old = searcher;
        searcher = s;
        if (old != null) {
            old.getIndexReader().close();
        }
    }

    /** The {@code k} best ids by BM25 score; an empty list when no query term occurs in the index. */
    public List<ScoredId> search(String query, int k) {
        Objects.requireNonNull(query, "query");
        if (k <= 0) {
            throw new InvalidInputException("k must be > 0, was " + k);
        }
        return run(query, k, null);
    }

    /** Exact BM25 scores of the given ids (ids sharing no term with the query are absent from the map). */
    public Map<Long, Float> scores(String query, Collection<Long> ids) {
        Map<Long, Float> out = new java.util.HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        List<org.apache.lucene.util.BytesRef> terms = new ArrayList<>();
        for (Long id : ids) {
            terms.add(new org.apache.lucene.util.BytesRef(Long.toString(id)));
        }
        for (ScoredId s : run(query, ids.size(), new org.apache.lucene.search.TermInSetQuery(ID, terms))) {
            out.put(s.id(), s.score());
        }
        return out;
    }

    private List<ScoredId> run(String query, int k, org.apache.lucene.search.Query filter) {
        IndexSearcher s = searcher;
        if (s == null) {
            return List.of();
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String t : WordTokenizer.tokenize(query)) {
            counts.merge(t, 1, Integer::sum);
        }
        if (counts.isEmpty()) {
            return List.of();
        }
        BooleanQuery.Builder qb = new BooleanQuery.Builder();
        int clauses = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (clauses++ >= IndexSearcher.getMaxClauseCount()) {
                break;
            }
            TermQuery tq = new TermQuery(new Term(TEXT, e.getKey()));
            qb.add(e.getValue() == 1 ? tq : new BoostQuery(tq, e.getValue()), BooleanClause.Occur.SHOULD);
        }
        org.apache.lucene.search.Query q = qb.build();
        if (filter != null) {
            q = new BooleanQuery.Builder().add(q, BooleanClause.Occur.MUST).add(filter, BooleanClause.Occur.FILTER)
                    .build();
        }
        try {
            TopDocs top = s.search(q, k);
            List<ScoredId> out = new ArrayList<>(top.scoreDocs.length);
            List<LeafReaderContext> leaves = s.getIndexReader().leaves();
            for (ScoreDoc sd : top.scoreDocs) {
                LeafReaderContext leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(sd.doc, leaves));
                NumericDocValues dv = leaf.reader().getNumericDocValues(ID);
                int local = sd.doc - leaf.docBase;
                if (dv == null || !dv.advanceExact(local)) {
                    throw new StateException("BM25 document " + sd.doc + " has no id");
                }
                out.add(new ScoredId(dv.longValue(), sd.score));
            }
            return out;
        } catch (org.apache.lucene.store.AlreadyClosedException e) {
            // A concurrent mutation swapped the searcher; the new one holds the same or newer state.
            return run(query, k, filter);
        } catch (IOException e) {
            throw new StorageException("BM25 index I/O failed: " + e.getMessage(), e);
        }
    }

    /** Number of live documents. */
    public int size() {
        IndexSearcher s = searcher;
        return s == null ? 0 : s.getIndexReader().numDocs();
    }

    private void checkOpen() {
        if (closed) {
            throw new StateException("Bm25Index is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                if (searcher != null) {
                    searcher.getIndexReader().close();
                }
                writer.close();
                directory.close();
            } catch (IOException e) {
                throw new StorageException("BM25 index I/O failed: " + e.getMessage(), e);
            }
        }
    }
}

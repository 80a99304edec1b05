package dev.memorag.retrieval.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.api.ScoredId;
import dev.memorag.api.VectorIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;

/**
 * Approximate inner-product search on Lucene's HNSW graph ({@link KnnFloatVectorField} with
 * {@link VectorSimilarityFunction#DOT_PRODUCT}, so vectors must be L2-normalised, as the library's embedders produce).
 * The graph lives in memory or in a memory-mapped directory; {@link #save} writes the vectors (see {@link VectorFile})
 * and the Lucene index files, so loading does not rebuild the graph.
 *
 * <p>Thread-safety: thread-safe; searches run concurrently, mutations are serialised.
 */
public final class HnswIndex implements VectorIndex, VectorLookup {
    public static final String DESCRIPTOR = "hnsw-index.json";
    static final String VECTORS = "hnsw-index.vec";
    static final String LUCENE_DIR = "lucene";
    static final String FORMAT = "memorag-hnsw-index";
    static final int VERSION = 2;
    private static final String ID = "id";
    private static final String VEC = "v";

    private final int dimension;
    private final int maxConn;
    private final int beamWidth;
    private final int efSearch;
    private final Directory directory;
    private final IndexWriter writer;
    private final Map<Long, float[]> vectors = new HashMap<>();
    private volatile IndexSearcher searcher;
    private boolean closed;

    private HnswIndex(Builder b, Directory directory) {
        this.dimension = b.dimension;
        this.maxConn = b.maxConn;
        this.beamWidth = b.beamWidth;
        this.efSearch = b.efSearch;
        this.directory = directory;
        try {
            IndexWriterConfig cfg = new IndexWriterConfig().setCodec(codec(maxConn, beamWidth))
                    .setRAMBufferSizeMB(256);
            this.writer = new IndexWriter(directory, cfg);
            refresh();
        } catch (IOException e) {
            throw new StorageException("cannot open HNSW index: " + e.getMessage(), e);
        }
    }

    private static Lucene912Codec codec(int maxConn, int beamWidth) {
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return new Lucene99HnswVectorsFormat(maxConn, beamWidth);
            }
        };
    }

    /** A builder for an empty index of {@code dimension}. */
    public static Builder builder(int dimension) {
        return new Builder(dimension);
    }

    @Override
    public synchronized void add(long[] ids, float[][] newVectors) {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(newVectors, "vectors");
        checkOpen();
        if (ids.length != newVectors.length) {
            throw new InvalidInputException("ids.length " + ids.length + " != vectors.length " + newVectors.length);
        }
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < ids.length; i++) {
            if (newVectors[i] == null || newVectors[i].length != dimension) {
                throw new InvalidInputException("vector " + i + " (id " + ids[i] + ") has dimension "
                        + (newVectors[i] == null ? "null" : newVectors[i].length) + ", index dimension is " + dimension);
            }
            if (vectors.containsKey(ids[i]) || !seen.add(ids[i])) {
                throw new InvalidInputException("id " + ids[i] + " is already in the index");
            }
        }
        try {
            for (int i = 0; i < ids.length; i++) {
                Document d = new Document();
                d.add(new StringField(ID, Long.toString(ids[i]), Field.Store.NO));
                d.add(new NumericDocValuesField(ID, ids[i]));
                d.add(new KnnFloatVectorField(VEC, newVectors[i], VectorSimilarityFunction.DOT_PRODUCT));
                writer.addDocument(d);
                vectors.put(ids[i], newVectors[i].clone());
            }
            writer.forceMerge(1);
            refresh();
        } catch (IOException e) {
            throw new StorageException("HNSW index write failed: " + e.getMessage(), e);
        }
    }

    private void refresh() throws IOException {
        writer.commit();
        IndexSearcher old = searcher;
        searcher = new IndexSearcher(DirectoryReader.open(directory));
        if (old != null) {
            old.getIndexReader().close();
        }
    }

    @Override
    public List<ScoredId> search(float[] query, int k) {
        return search(query, k, efSearch);
    }

    /** Like {@link #search(float[], int)} with a per-call search beam {@code ef} (at least {@code k} is used). */
    public List<ScoredId> search(float[] query, int k, int ef) {
        Objects.requireNonNull(query, "query");
        if (query.length != dimension) {
            throw new InvalidInputException("query dimension " + query.length + " != index dimension " + dimension);
        }
        if (k <= 0 || ef <= 0) {
            throw new InvalidInputException("k and ef must be > 0, were " + k + ", " + ef);
        }
        IndexSearcher s = searcher;
        checkOpen();
        int beam = Math.max(k, ef);
        try {
            // Search each segment's graph directly (no query rewrite); after add() there is a single segment.
            List<long[]> docs = new ArrayList<>();
            List<Float> scores = new ArrayList<>();
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                TopDocs top = leaf.reader().searchNearestVectors(VEC, query, beam, leaf.reader().getLiveDocs(),
                        Integer.MAX_VALUE);
                if (top == null) {
                    continue;
                }
                NumericDocValues dv = null;
                int lastDoc = -1;
                for (ScoreDoc sd : top.scoreDocs) {
                    if (dv == null || sd.doc <= lastDoc) {
                        // Doc values iterate forward only; re-open for out-of-order docs.
                        dv = leaf.reader().getNumericDocValues(ID);
                    }
                    if (dv == null || !dv.advanceExact(sd.doc)) {
                        throw new StateException("HNSW document " + sd.doc + " has no id");
                    }
                    lastDoc = sd.doc;
                    docs.add(new long[] {dv.longValue()});
                    scores.add(sd.score);
                }
            }
            Integer[] order = new Integer[docs.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Float.compare(scores.get(b), scores.get(a)));
            List<ScoredId> out = new ArrayList<>(Math.min(k, order.length));
            for (int i = 0; i < Math.min(k, order.length); i++) {
                // Lucene reports (1 + dot) / 2 for DOT_PRODUCT.
                out.add(new ScoredId(docs.get(order[i])[0], 2 * scores.get(order[i]) - 1));
            }
            return out;
        } catch (org.apache.lucene.store.AlreadyClosedException e) {
            checkOpen();
            return search(query, k, ef);
        } catch (IOException e) {
            throw new StorageException("HNSW search failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void remove(Collection<Long> ids) {
        checkOpen();
        try {
            List<Term> terms = new ArrayList<>();
            for (Long id : ids) {
                if (vectors.remove(id) != null) {
                    terms.add(new Term(ID, Long.toString(id)));
                }
            }
            if (!terms.isEmpty()) {
                writer.deleteDocuments(terms.toArray(Term[]::new));
                refresh();
            }
        } catch (IOException e) {
            throw new StorageException("HNSW index delete failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized float[] vector(long id) {
        float[] v = vectors.get(id);
        return v == null ? null : v.clone();
    }

    @Override
    public synchronized int size() {
        return vectors.size();
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public synchronized void save(Path dir) {
        checkOpen();
        long[] ids = new long[vectors.size()];
        float[] flat = new float[vectors.size() * dimension];
        int i = 0;
        for (Map.Entry<Long, float[]> e : vectors.entrySet()) {
            ids[i] = e.getKey();
            System.arraycopy(e.getValue(), 0, flat, i * dimension, dimension);
            i++;
        }
        VectorFile.write(dir.resolve(VECTORS), ids, flat, ids.length, dimension);
        try {
            Path lucene = dir.resolve(LUCENE_DIR);
            Files.createDirectories(lucene);
            try (Directory out = new MMapDirectory(lucene)) {
                for (String f : directory.listAll()) {
                    if (!f.equals("write.lock")) {
                        out.copyFrom(directory, f, f, org.apache.lucene.store.IOContext.DEFAULT);
                    }
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot write HNSW index to " + dir + ": " + e.getMessage(), e);
        }
        ObjectNode d = IndexDescriptor.create(FORMAT, VERSION);
        d.put("dimension", dimension);
        d.put("count", ids.length);
        d.put("max_conn", maxConn);
        d.put("beam_width", beamWidth);
        d.put("ef_search", efSearch);
        IndexDescriptor.write(dir.resolve(DESCRIPTOR), d);
    }

    /** Loads an index written by {@link #save} into memory (the saved files are only read). */
    public static HnswIndex load(Path dir) {
        Path descriptor = dir.resolve(DESCRIPTOR);
        JsonNode d = IndexDescriptor.read(descriptor, FORMAT, VERSION);
        Builder b = builder(IndexDescriptor.intField(d, descriptor, "dimension"))
                .maxConn(IndexDescriptor.intField(d, descriptor, "max_conn"))
                .beamWidth(IndexDescriptor.intField(d, descriptor, "beam_width"))
                .efSearch(IndexDescriptor.intField(d, descriptor, "ef_search"));
        VectorFile.Contents c = VectorFile.read(dir.resolve(VECTORS));
        if (c.dimension() != b.dimension || c.count() != IndexDescriptor.intField(d, descriptor, "count")) {
            throw new CorruptDataException(descriptor + ": dimension/count disagree with " + VECTORS);
        }
        ByteBuffersDirectory mem = new ByteBuffersDirectory();
        try (Directory in = new MMapDirectory(dir.resolve(LUCENE_DIR))) {
            for (String f : in.listAll()) {
                mem.copyFrom(in, f, f, org.apache.lucene.store.IOContext.DEFAULT);
            }
        } catch (IOException e) {
            throw new CorruptDataException("cannot read HNSW Lucene files in " + dir.resolve(LUCENE_DIR) + ": "
                    + e.getMessage(), e);
        }
        HnswIndex index = new HnswIndex(b, mem);
        for (int i = 0; i < c.count(); i++) {
            index.vectors.put(c.ids()[i], Arrays.copyOfRange(c.vectors(), i * c.dimension(), (i + 1) * c.dimension()));
        }
        if (index.searcher.getIndexReader().numDocs() != c.count()) {
            index.close();
            throw new CorruptDataException(dir + ": Lucene index holds " + index.searcher.getIndexReader().numDocs()
                    + " vectors but " + VECTORS + " holds " + c.count());
        }
        return index;
    }

    private void checkOpen() {
        if (closed) {
            throw new StateException("HnswIndex is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                searcher.getIndexReader().close();
                writer.close();
                directory.close();
            } catch (IOException e) {
                throw new StorageException("closing HNSW index failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * HNSW parameters: {@code maxConn} 16, {@code beamWidth} 100 (build), {@code efSearch} 50 (query beam), in
     * memory by default or in a memory-mapped directory.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private final int dimension;
        private int maxConn = 16;
        private int beamWidth = 100;
        private int efSearch = 50;
        private Path mmapDirectory;

        private Builder(int dimension) {
            if (dimension <= 0 || dimension > 4096) {
                throw new InvalidInputException("HNSW dimension must be in 1..4096, was " + dimension);
            }
            this.dimension = dimension;
        }

        public Builder maxConn(int m) {
            if (m < 2 || m > 512) {
                throw new InvalidInputException("maxConn must be in 2..512, was " + m);
            }
            this.maxConn = m;
            return this;
        }

        public Builder beamWidth(int w) {
            if (w < 1 || w > 3200) {
                throw new InvalidInputException("beamWidth must be in 1..3200, was " + w);
            }
            this.beamWidth = w;
            return this;
        }

        public Builder efSearch(int ef) {
            if (ef < 1) {
                throw new InvalidInputException("efSearch must be >= 1, was " + ef);
            }
            this.efSearch = ef;
            return this;
        }

        /** Keep the Lucene files in this (empty or new) directory, memory-mapped, instead of the heap. */
        public Builder mmapDirectory(Path dir) {
            this.mmapDirectory = dir;
            return this;
        }

        public HnswIndex build() {
            try {
                if (mmapDirectory != null && Files.isDirectory(mmapDirectory)) {
                    try (var entries = Files.list(mmapDirectory)) {
                        if (entries.findAny().isPresent()) {
                            throw new InvalidInputException("HNSW mmap directory " + mmapDirectory
                                    + " is not empty; use HnswIndex.load to read a saved index");
                        }
                    }
                }
                Directory d = mmapDirectory == null ? new ByteBuffersDirectory() : new MMapDirectory(mmapDirectory);
                return new HnswIndex(this, d);
            } catch (IOException e) {
                throw new StorageException("cannot open " + mmapDirectory + ": " + e.getMessage(), e);
            }
        }
    }
}

package dev.memorag.pgvector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.ScoredId;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.error.StoreException;
import dev.memorag.retrieval.chunks.HybridFusion;
import dev.memorag.retrieval.chunks.SubWindows;
import dev.memorag.retrieval.index.IndexDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.PGobject;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A chunk index kept in PostgreSQL + pgvector: one namespace (memory) of a store (schema) holds its chunks, document
 * ids and offsets in one table and their dense vectors (chunk and {@link SubWindows sub-window} embeddings, scored by
 * inner product like the local indexes) in another, searched through an HNSW index; hybrid search adds PostgreSQL
 * full-text ranking ({@code ts_rank}), fused by the local hybrid index's own {@link HybridFusion}. Many memories share a
 * store, each under its namespace; the save directory holds only {@code chunk-index.json} naming the store (URL,
 * schema, namespace, generation; never the password).
 *
 * <p>Transactions: every change ({@link #add}, {@link #removeDocuments}, and creating the namespace) runs in one
 * database transaction that {@link #save} commits, so the store moves in step with the save directory; closing without
 * saving (a failed memorise) rolls it back, and a process that dies mid-way leaves nothing behind. While that
 * transaction is open the namespace is locked against other writers and this index reads through the transaction;
 * other processes keep seeing the last committed state. Each commit bumps the namespace's generation, and loading
 * a save directory whose generation is no longer the store's fails rather than mixing two memories.
 *
 * <p>Errors: a server that is unreachable or restarting gives a {@link StoreException} with
 * {@link StoreException#retryable()} true (the same call succeeds once it is back); if it happens while changes are
 * uncommitted they are lost and the index refuses further use.
 *
 * <p>Thread-safety: concurrent retrievals are safe; mutations and saves are exclusive. The embedder is not closed by
 * this index.
 */
public final class PgVectorChunkIndex implements ChunkIndex {
    static final String DESCRIPTOR = "chunk-index.json";
    static final String FORMAT = "memorag-pgvector-index";
    static final int VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(PgVectorChunkIndex.class);
    private static final Pattern DUPLICATE = Pattern.compile("Key \\(chunk_id\\)=\\((.*)\\) already exists");
    /** Rows per COPY buffer flush. */
    private static final int COPY_BATCH = 2000;

    private final PgVectorConfig config;
    private final Embedder embedder;
    private final PgStore store;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object writerMonitor = new Object();
    private volatile int efSearch;
    /** Table tag and generation of the committed state this index started from (0 when the namespace is new). */
    private long tag;
    private long generation;
    /** The open write transaction, or null. */
    private Connection writer;
    /** Tag of the tables a creating transaction replaces at commit (-1: none). */
    private long replacedTag = -1;
    private boolean hnswBuilt;
    private long nextSlot;
    private int count;
    private String lostReason;
    private boolean closed;

    private PgVectorChunkIndex(PgVectorConfig config, Embedder embedder, PgStore store) {
        this.config = config;
        this.embedder = embedder;
        this.store = store;
        this.efSearch = config.efSearch();
    }

    /**
     * A new, empty memory in namespace {@code config.namespace()}: it replaces what the namespace holds when
     * {@link #save} commits (until then other readers keep the old content). Fails when another pipeline is writing
     * the namespace.
     */
    public static PgVectorChunkIndex create(PgVectorConfig config, Embedder embedder) {
        return create(config, embedder, PgPasswords.find(config.url()).orElse(null));
    }

    /** As {@link #create(PgVectorConfig, Embedder)} with an explicit password (kept in memory only). */
    public static PgVectorChunkIndex create(PgVectorConfig config, Embedder embedder, String password) {
        Objects.requireNonNull(embedder, "embedder");
        PgVectorChunkIndex index = new PgVectorChunkIndex(config, embedder, new PgStore(config, password));
        try {
            index.beginCreate();
            return index;
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
    }

    /** Reopens the memory a save directory's index part names; the password comes from {@link PgPasswords}. */
    public static PgVectorChunkIndex load(Path directory, Embedder embedder) {
        return load(directory, embedder, null, null);
    }

    /**
     * Reopens a saved index. Fails, before connecting, when {@code embedder} differs from the saved one, and after
     * connecting when the namespace is gone or was changed by another pipeline since the save.
     *
     * @param url another URL for the same store (a moved server), or null for the recorded one
     * @param password the password, or null to look it up with {@link PgPasswords}
     */
    public static PgVectorChunkIndex load(Path directory, Embedder embedder, String url, String password) {
        Path file = directory.resolve(DESCRIPTOR);
        JsonNode d = IndexDescriptor.read(file, FORMAT, VERSION);
        String kind = IndexDescriptor.textField(d, file, "kind");
        if (!ChunkIndexKind.PGVECTOR.name().equals(kind)) {
            throw new CorruptDataException(file + ": field 'kind' is '" + kind + "', expected 'PGVECTOR'");
        }
        checkEmbedder(file, d, Objects.requireNonNull(embedder, "embedder"));
        PgVectorConfig config = readConfig(file, d);
        if (url != null) {
            config = config.withUrl(url);
        }
        long savedTag = d.path("tableTag").asLong(-1);
        long savedGeneration = d.path("generation").asLong(-1);
        if (savedTag < 1 || savedGeneration < 1) {
            throw new CorruptDataException(file + ": fields 'tableTag' and 'generation' must be >= 1, were "
                    + d.get("tableTag") + " and " + d.get("generation"));
        }
        String pw = password != null ? password : PgPasswords.find(config.url()).orElse(null);
        PgVectorChunkIndex index = new PgVectorChunkIndex(config, embedder, new PgStore(config, pw));
        try {
            index.attach(file, savedTag, savedGeneration);
            return index;
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
    }

    /** The configuration (URL without password, schema, namespace, search settings). */
    public PgVectorConfig config() {
        return config;
    }

    /** Sets the HNSW search beam for later retrievals (1 to 1000); thread-safe. */
    public void efSearch(int ef) {
        if (ef < 1 || ef > 1000) {
            throw new InvalidInputException("ef_search must be in [1, 1000], was " + ef);
        }
        this.efSearch = ef;
    }

    // ---------------------------------------------------------------- opening

    private void beginCreate() {
        Connection c = store.connection("creating namespace " + config.namespace());
        try {
            c.setAutoCommit(false);
            store.ensureSchema(c);
            c.commit();
            lockNamespace(c);
            long[] current = catalogRow(c);
            long oldGeneration = current == null ? 0 : current[1];
            replacedTag = current == null ? -1 : current[0];
            tag = Math.max(oldGeneration, current == null ? 0 : current[0]) + 1;
            generation = oldGeneration;
            createTables(c, tag);
            writer = c;
            nextSlot = 0;
            count = 0;
            LOG.info("pgvector: new memory in {} (tables tagged {}, committed on save)", config.where(), tag);
        } catch (SQLException e) {
            closeQuietly(c, true);
            throw store.failure("creating namespace " + config.namespace(), e);
        } catch (RuntimeException e) {
            closeQuietly(c, true);
            throw e;
        }
    }

    private void attach(Path file, long savedTag, long savedGeneration) {
        try (Connection c = store.connection("opening namespace " + config.namespace())) {
            long[] row = catalogRow(c);
            if (row == null) {
                throw new StateException(file + ": namespace '" + config.namespace() + "' no longer exists in "
                        + config.where() + "; memorise again");
            }
            if (row[1] != savedGeneration || row[0] != savedTag) {
                throw new StateException(file + ": namespace '" + config.namespace() + "' of " + config.where()
                        + " is at generation " + row[1] + " but this save recorded generation " + savedGeneration
                        + ": another pipeline changed it since; memorise again (the store was not changed)");
            }
            String storedEmbedder;
            try (PreparedStatement ps = c.prepareStatement("SELECT embedder_id, dimension FROM " + store.catalog()
                    + " WHERE namespace = ?")) {
                ps.setString(1, config.namespace());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    storedEmbedder = rs.getString(1) + "/" + rs.getInt(2);
                }
            }
            if (!storedEmbedder.equals(embedder.id() + "/" + embedder.dimension())) {
                throw new ModelException(file + ": namespace '" + config.namespace() + "' holds vectors of embedder "
                        + storedEmbedder + ", but the embedder given is " + embedder.id() + "/" + embedder.dimension());
            }
            tag = savedTag;
            generation = savedGeneration;
            hnswBuilt = true;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*), coalesce(max(slot) + 1, 0) FROM "
                            + store.chunks(tag))) {
                rs.next();
                count = rs.getInt(1);
                nextSlot = rs.getLong(2);
            }
        } catch (SQLException e) {
            throw store.failure("opening namespace " + config.namespace(), e);
        }
    }

    /** {tag, generation} of the namespace's committed row, or null. */
    private long[] catalogRow(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT table_tag, generation FROM " + store.catalog()
                + " WHERE namespace = ?")) {
            ps.setString(1, config.namespace());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
            }
        } catch (PSQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return null; // no catalog yet: an empty store
            }
            throw e;
        }
    }

    /** Takes the namespace's write lock for the current transaction, failing when another writer holds it. */
    private void lockNamespace(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtext(?))")) {
            ps.setString(1, "memorag-pgvector:" + config.schema() + "." + config.namespace());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new StateException("namespace '" + config.namespace() + "' of " + config.where()
                            + " is being written by another pipeline; try again when it has saved");
                }
            }
        }
    }

    private void createTables(Connection c, long t) throws SQLException {
        String chunks = store.chunks(t);
        String vectors = store.vectors(t);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + chunks + " (slot bigint PRIMARY KEY, chunk_id text NOT NULL UNIQUE, "
                    + "document_id text NOT NULL, start_char int NOT NULL, end_char int NOT NULL, "
                    + "token_count int NOT NULL, body text NOT NULL"
                    + (hybrid() ? ", tsv tsvector GENERATED ALWAYS AS (to_tsvector('" + config.textSearchConfig()
                            + "'::regconfig, body)) STORED" : "") + ")");
            s.execute("CREATE INDEX ON " + chunks + " (document_id)");
            if (hybrid()) {
                s.execute("CREATE INDEX ON " + chunks + " USING gin (tsv)");
            }
            s.execute("CREATE TABLE " + vectors + " (slot bigint NOT NULL, window_no int NOT NULL, "
                    + "embedding vector(" + embedder.dimension() + ") NOT NULL, PRIMARY KEY (slot, window_no))");
        }
    }

    // ---------------------------------------------------------------- writing

    /** The open write transaction, starting one (namespace locked, generation checked) when none is open. */
    private Connection writer() throws SQLException {
        if (writer != null) {
            return writer;
        }
        Connection c = store.connection("writing namespace " + config.namespace());
        try {
            c.setAutoCommit(false);
            lockNamespace(c);
            long[] row = catalogRow(c);
            if (row == null || row[0] != tag || row[1] != generation) {
                throw new StateException("namespace '" + config.namespace() + "' of " + config.where()
                        + " was changed or removed by another pipeline since this index was opened; reload it");
            }
            writer = c;
            return c;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c, true);
            throw e;
        }
    }

    @Override
    public void add(List<Chunk> chunks, ProgressListener progress) {
        Objects.requireNonNull(chunks, "chunks");
        Objects.requireNonNull(progress, "progress");
        lock.writeLock().lock();
        try {
            checkUsable();
            if (chunks.isEmpty()) {
                return;
            }
            // Embed first: an embedder failure leaves the store untouched.
            List<String> texts = new ArrayList<>();
            List<long[]> owners = new ArrayList<>();
            long slot = nextSlot;
            for (Chunk c : chunks) {
                Objects.requireNonNull(c, "chunk");
                texts.add(c.text());
                owners.add(new long[] {slot, 0});
                List<String> w = config.windows().windows(c);
                for (int j = 0; j < w.size(); j++) {
                    texts.add(w.get(j));
                    owners.add(new long[] {slot, j + 1});
                }
                slot++;
            }
            int total = texts.size();
            float[][] vectors = embedder.embed(texts, EmbedPurpose.PASSAGE,
                    (stage, done, t) -> progress.onProgress("embed", done, total));
            if (vectors.length != total) {
                throw new ModelException("embedder " + embedder.id() + " returned " + vectors.length
                        + " vectors for " + total + " texts");
            }
            inWriter("adding " + chunks.size() + " chunks", c -> {
                copyChunks(c, chunks, nextSlot);
                copyVectors(c, owners, vectors, progress);
                return null;
            });
            nextSlot = slot;
            count += chunks.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void copyChunks(Connection c, List<Chunk> chunks, long firstSlot) throws SQLException {
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + store.chunks(tag)
                + " (slot, chunk_id, document_id, start_char, end_char, token_count, body) FROM STDIN");
        try {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < chunks.size(); i++) {
                Chunk ch = chunks.get(i);
                sb.append(firstSlot + i).append('\t');
                escape(sb, ch.id()).append('\t');
                escape(sb, ch.documentId()).append('\t');
                sb.append(ch.start()).append('\t').append(ch.end()).append('\t').append(ch.tokenCount()).append('\t');
                escape(sb, ch.text()).append('\n');
                if ((i + 1) % COPY_BATCH == 0) {
                    flush(in, sb);
                }
            }
            flush(in, sb);
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private void copyVectors(Connection c, List<long[]> owners, float[][] vectors, ProgressListener progress)
            throws SQLException {
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + store.vectors(tag)
                + " (slot, window_no, embedding) FROM STDIN");
        try {
            StringBuilder sb = new StringBuilder();
            int n = vectors.length;
            for (int i = 0; i < n; i++) {
                float[] v = vectors[i];
                if (v.length != embedder.dimension()) {
                    throw new ModelException("embedder " + embedder.id() + " returned a vector of dimension "
                            + v.length + ", expected " + embedder.dimension());
                }
                sb.append(owners.get(i)[0]).append('\t').append(owners.get(i)[1]).append('\t');
                literal(sb, v).append('\n');
                if ((i + 1) % COPY_BATCH == 0) {
                    flush(in, sb);
                    progress.onProgress("store", i + 1, n);
                }
            }
            flush(in, sb);
            in.endCopy();
            progress.onProgress("store", n, n);
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private static void flush(CopyIn in, StringBuilder sb) throws SQLException {
        if (sb.length() > 0) {
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(b, 0, b.length);
            sb.setLength(0);
        }
    }

    /** COPY text format: backslash, tab, newline and carriage return are escaped. */
    private static StringBuilder escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(ch);
            }
        }
        return sb;
    }

    private static StringBuilder literal(StringBuilder sb, float[] v) {
        sb.append('[');
        for (int d = 0; d < v.length; d++) {
            if (!Float.isFinite(v[d])) {
                throw new ModelException("embedding has a non-finite value " + v[d] + " at dimension " + d);
            }
            if (d > 0) {
                sb.append(',');
            }
            sb.append(v[d]);
        }
        return sb.append(']');
    }

    @Override
    public int removeDocuments(Collection<String> documentIds) {
        Objects.requireNonNull(documentIds, "documentIds");
        lock.writeLock().lock();
        try {
            checkUsable();
            if (documentIds.isEmpty() || count == 0) {
                return 0;
            }
            int removed = inWriter("removing documents " + documentIds, c -> {
                List<Long> slots = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + store.chunks(tag)
                        + " WHERE document_id = ANY(?) RETURNING slot")) {
                    ps.setArray(1, c.createArrayOf("text", documentIds.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            slots.add(rs.getLong(1));
                        }
                    }
                }
                if (!slots.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + store.vectors(tag)
                            + " WHERE slot = ANY(?)")) {
                        ps.setArray(1, c.createArrayOf("bigint", slots.toArray()));
                        ps.executeUpdate();
                    }
                }
                return slots.size();
            });
            count -= removed;
            return removed;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Commits the open transaction (building the HNSW index first when the tables are new), then this index's
     * descriptor is complete; writes {@code chunk-index.json} naming the store and the committed generation.
     */
    @Override
    public void save(Path directory) {
        Objects.requireNonNull(directory, "directory");
        lock.writeLock().lock();
        try {
            checkUsable();
            long committedGeneration = writer == null ? generation : generation + 1;
            if (committedGeneration == 0) {
                throw new StateException("nothing to save in " + config.where());
            }
            // The descriptor goes first: if the commit then fails, the caller's temporary save directory is dropped.
            IndexDescriptor.write(directory.resolve(DESCRIPTOR), descriptor(committedGeneration));
            if (writer != null) {
                commit(committedGeneration);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void commit(long newGeneration) {
        Connection c = writer;
        try (Statement s = c.createStatement()) {
            if (!hnswBuilt) {
                long t0 = System.nanoTime();
                // Built once the first batch is in (much faster than growing it row by row); later adds extend it.
                s.execute("CREATE INDEX " + "v_" + config.namespace() + "_" + tag + "_hnsw ON " + store.vectors(tag)
                        + " USING hnsw (embedding vector_ip_ops) WITH (m = " + config.hnswM() + ", ef_construction = "
                        + config.hnswEfConstruction() + ")");
                LOG.info("pgvector: HNSW index of {} built in {} ms", config.where(),
                        (System.nanoTime() - t0) / 1_000_000);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + store.catalog() + " (namespace, "
                    + "table_tag, generation, embedder_id, dimension, search, text_search_config) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (namespace) DO UPDATE SET table_tag = EXCLUDED.table_tag, "
                    + "generation = EXCLUDED.generation, embedder_id = EXCLUDED.embedder_id, "
                    + "dimension = EXCLUDED.dimension, search = EXCLUDED.search, "
                    + "text_search_config = EXCLUDED.text_search_config, updated = now()")) {
                ps.setString(1, config.namespace());
                ps.setLong(2, tag);
                ps.setLong(3, newGeneration);
                ps.setString(4, embedder.id());
                ps.setInt(5, embedder.dimension());
                ps.setString(6, config.search().name().toLowerCase(Locale.ROOT));
                ps.setString(7, config.textSearchConfig());
                ps.executeUpdate();
            }
            if (replacedTag >= 0) {
                s.execute("DROP TABLE IF EXISTS " + store.chunks(replacedTag) + ", " + store.vectors(replacedTag));
            }
            c.commit();
        } catch (SQLException e) {
            lostReason = "committing to the store failed (" + e.getMessage() + ")";
            writer = null;
            closeQuietly(c, true);
            throw new StoreException("PostgreSQL store " + config.where() + ": commit failed, so the uncommitted "
                    + "changes are lost: " + e.getMessage() + "; memorise again"
                    + (PgStore.retryable(e) ? " when the server is back" : ""), false, e);
        }
        writer = null;
        closeQuietly(c, false);
        generation = newGeneration;
        replacedTag = -1;
        hnswBuilt = true;
    }

    private ObjectNode descriptor(long committedGeneration) {
        ObjectNode d = IndexDescriptor.create(FORMAT, VERSION);
        d.put("kind", ChunkIndexKind.PGVECTOR.name());
        d.put("count", count);
        ObjectNode s = d.putObject("store");
        s.put("url", config.url());
        s.put("schema", config.schema());
        s.put("namespace", config.namespace());
        d.put("tableTag", tag);
        d.put("generation", committedGeneration);
        ObjectNode e = d.putObject("embedder");
        e.put("id", embedder.id());
        e.put("dimension", embedder.dimension());
        d.put("search", config.search().name().toLowerCase(Locale.ROOT));
        if (config.windows().equals(SubWindows.NONE)) {
            d.putNull("windows");
        } else {
            ObjectNode w = d.putObject("windows");
            w.put("minTokens", config.windows().minTokens());
            w.put("windowTokens", config.windows().windowTokens());
            w.put("stepTokens", config.windows().stepTokens());
        }
        ObjectNode f = d.putObject("fusion");
        f.put("method", config.fusion().method().name().toLowerCase(Locale.ROOT));
        f.put("denseWeight", config.fusion().denseWeight());
        f.put("depth", config.fusion().depth());
        f.put("rrfK", config.fusion().rrfK());
        ObjectNode h = d.putObject("hnsw");
        h.put("m", config.hnswM());
        h.put("efConstruction", config.hnswEfConstruction());
        h.put("efSearch", config.efSearch());
        d.put("textSearchConfig", config.textSearchConfig());
        d.put("poolSize", config.poolSize());
        d.put("connectTimeoutSeconds", config.connectTimeoutSeconds());
        return d;
    }

    private static PgVectorConfig readConfig(Path file, JsonNode d) {
        JsonNode s = d.get("store");
        JsonNode f = d.get("fusion");
        JsonNode h = d.get("hnsw");
        if (s == null || f == null || h == null) {
            throw new CorruptDataException(file + ": fields 'store', 'fusion' and 'hnsw' are required");
        }
        JsonNode w = d.get("windows");
        try {
            SubWindows windows = w == null || w.isNull() ? SubWindows.NONE
                    : new SubWindows(IndexDescriptor.intField(w, file, "minTokens"),
                            IndexDescriptor.intField(w, file, "windowTokens"),
                            IndexDescriptor.intField(w, file, "stepTokens"));
            HybridFusion fusion = new HybridFusion(HybridFusion.Method.valueOf(
                    IndexDescriptor.textField(f, file, "method").toUpperCase(Locale.ROOT)),
                    f.path("denseWeight").asDouble(Double.NaN), IndexDescriptor.intField(f, file, "depth"),
                    IndexDescriptor.intField(f, file, "rrfK"));
            return new PgVectorConfig(IndexDescriptor.textField(s, file, "url"),
                    IndexDescriptor.textField(s, file, "schema"), IndexDescriptor.textField(s, file, "namespace"),
                    PgVectorConfig.parseSearch(IndexDescriptor.textField(d, file, "search")), windows, fusion,
                    IndexDescriptor.intField(h, file, "m"), IndexDescriptor.intField(h, file, "efConstruction"),
                    IndexDescriptor.intField(h, file, "efSearch"),
                    IndexDescriptor.textField(d, file, "textSearchConfig"),
                    IndexDescriptor.intField(d, file, "poolSize"),
                    IndexDescriptor.intField(d, file, "connectTimeoutSeconds"));
        } catch (IllegalArgumentException | InvalidInputException e) {
            throw new CorruptDataException(file + ": bad store settings: " + e.getMessage(), e);
        }
    }

    private static void checkEmbedder(Path file, JsonNode d, Embedder embedder) {
        JsonNode e = d.get("embedder");
        if (e == null) {
            throw new CorruptDataException(file + ": field 'embedder' is missing");
        }
        String id = IndexDescriptor.textField(e, file, "id");
        int dim = IndexDescriptor.intField(e, file, "dimension");
        if (dim != embedder.dimension()) {
            throw new ModelException(file + ": index was built with embedder '" + id + "' of dimension " + dim
                    + ", but the embedder given has dimension " + embedder.dimension() + " ('" + embedder.id()
                    + "'); the index was not changed");
        }
        if (!id.equals(embedder.id())) {
            throw new ModelException(file + ": index was built with embedder '" + id + "', but the embedder given is '"
                    + embedder.id() + "'; re-index or pass the same embedder (the index was not changed)");
        }
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<Chunk> chunks() {
        lock.readLock().lock();
        try {
            checkUsable();
            return read("listing chunks", c -> {
                List<Chunk> out = new ArrayList<>(count);
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + CHUNK_COLUMNS
                        + " FROM " + store.chunks(tag) + " ORDER BY slot")) {
                    while (rs.next()) {
                        out.add(chunk(rs));
                    }
                }
                return out;
            });
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<Hit> retrieve(String query, int k) {
        return retrieveAll(List.of(query), k).get(0);
    }

    @Override
    public List<List<Hit>> retrieveAll(List<String> queries, int k) {
        Objects.requireNonNull(queries, "queries");
        if (k <= 0) {
            throw new InvalidInputException("k must be > 0, was " + k);
        }
        for (int i = 0; i < queries.size(); i++) {
            if (queries.get(i) == null || queries.get(i).isBlank()) {
                throw new InvalidInputException("query " + i + " is empty");
            }
        }
        lock.readLock().lock();
        try {
            checkUsable();
            List<List<Hit>> out = new ArrayList<>(queries.size());
            if (count == 0 || queries.isEmpty()) {
                queries.forEach(q -> out.add(List.of()));
                return out;
            }
            float[][] vectors = embedder.embed(queries, EmbedPurpose.QUERY);
            return read("retrieving", c -> {
                for (int i = 0; i < queries.size(); i++) {
                    out.add(hits(c, search(c, queries.get(i), vectors[i], k)));
                }
                return out;
            });
        } finally {
            lock.readLock().unlock();
        }
    }

    private List<ScoredId> search(Connection c, String query, float[] vector, int k) throws SQLException {
        if (!hybrid()) {
            return dense(c, vector, k);
        }
        int depth = Math.max(config.fusion().depth(), k);
        return config.fusion().fuse(dense(c, vector, depth), lexical(c, query, depth), k, count,
                ids -> denseScores(c, vector, ids), ids -> lexicalScores(c, query, ids));
    }

    /** The best {@code n} slots by max-over-vectors score (the local dense index's rule), best first. */
    private List<ScoredId> dense(Connection c, float[] vector, int n) throws SQLException {
        boolean windows = !config.windows().equals(SubWindows.NONE);
        int want = windows ? Math.max(n * 4, n + 32) : n;
        PGobject q = vectorParam(vector);
        while (true) {
            LinkedHashMap<Long, Float> best = new LinkedHashMap<>();
            int got = 0;
            try (PreparedStatement set = c.prepareStatement("SELECT set_config('hnsw.ef_search', ?, false)")) {
                set.setString(1, Integer.toString(Math.min(1000, Math.max(efSearch, want))));
                set.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT slot, -(embedding <#> ?) FROM "
                    + store.vectors(tag) + " ORDER BY embedding <#> ? LIMIT ?")) {
                ps.setObject(1, q);
                ps.setObject(2, q);
                ps.setInt(3, want);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        best.merge(rs.getLong(1), rs.getFloat(2), Math::max);
                        got++;
                    }
                }
            }
            // Windows of one chunk can fill the beam; widen until n distinct chunks are found or the index is spent.
            if (best.size() >= n || got < want || want >= 1000) {
                List<ScoredId> out = new ArrayList<>();
                best.forEach((slot, score) -> out.add(new ScoredId(slot, score)));
                out.sort((a, b) -> {
                    int cmp = Float.compare(b.score(), a.score());
                    return cmp != 0 ? cmp : Long.compare(a.id(), b.id());
                });
                return out.size() > n ? out.subList(0, n) : out;
            }
            want = Math.min(1000, want * 4);
        }
    }

    private List<ScoredId> lexical(Connection c, String query, int n) throws SQLException {
        List<ScoredId> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(tsQuery() + "SELECT slot, ts_rank(tsv, q.q) FROM "
                + store.chunks(tag) + ", q WHERE tsv @@ q.q ORDER BY 2 DESC, slot LIMIT ?")) {
            ps.setString(1, query);
            ps.setInt(2, n);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ScoredId(rs.getLong(1), rs.getFloat(2)));
                }
            }
        }
        return out;
    }

    private Map<Long, Float> lexicalScores(Connection c, String query, List<Long> ids) {
        return scores("SELECT slot, coalesce(ts_rank(tsv, q.q), 0) FROM " + store.chunks(tag)
                + ", q WHERE slot = ANY(?)", c, ids, ps -> ps.setString(1, query), tsQuery());
    }

    private Map<Long, Float> denseScores(Connection c, float[] vector, List<Long> ids) {
        return scores("SELECT slot, max(-(embedding <#> ?)) FROM " + store.vectors(tag)
                + " WHERE slot = ANY(?) GROUP BY slot", c, ids, ps -> ps.setObject(1, vectorParam(vector)), "");
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private Map<Long, Float> scores(String sql, Connection c, List<Long> ids, Binder first, String prefix) {
        Map<Long, Float> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(prefix + sql)) {
            first.bind(ps);
            ps.setArray(2, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getFloat(2));
                }
            }
        } catch (SQLException e) {
            throw store.failure("scoring candidates", e);
        }
        return out;
    }

    /** A CTE {@code q} holding the query's lexemes OR-ed (a natural-language question should not need every word). */
    private String tsQuery() {
        return "WITH q AS (SELECT (SELECT string_agg(quote_literal(l), ' | ') FROM unnest(tsvector_to_array("
                + "to_tsvector('" + config.textSearchConfig() + "'::regconfig, ?))) l)::tsquery AS q) ";
    }

    private static final String CHUNK_COLUMNS = "slot, chunk_id, document_id, start_char, end_char, token_count, body";

    private List<Hit> hits(Connection c, List<ScoredId> ranked) throws SQLException {
        if (ranked.isEmpty()) {
            return List.of();
        }
        Map<Long, Chunk> bySlot = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CHUNK_COLUMNS + " FROM " + store.chunks(tag)
                + " WHERE slot = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("bigint", ranked.stream().map(ScoredId::id).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    bySlot.put(rs.getLong(1), chunk(rs));
                }
            }
        }
        List<Hit> out = new ArrayList<>(ranked.size());
        for (ScoredId s : ranked) {
            Chunk ch = bySlot.get(s.id());
            if (ch != null) {
                out.add(new Hit(ch, s.score()));
            }
        }
        return out;
    }

    private static Chunk chunk(ResultSet rs) throws SQLException {
        return new Chunk(rs.getString(2), rs.getString(3), rs.getString(7), rs.getInt(4), rs.getInt(5), rs.getInt(6));
    }

    private static PGobject vectorParam(float[] v) {
        PGobject o = new PGobject();
        o.setType("vector");
        try {
            o.setValue(literal(new StringBuilder(v.length * 10), v).toString());
        } catch (SQLException e) {
            throw new IllegalStateException("PGobject.setValue cannot fail", e);
        }
        return o;
    }

    // ---------------------------------------------------------------- plumbing

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in the write transaction under a savepoint: a failure undoes just this call's changes. */
    private <T> T inWriter(String operation, Work<T> work) {
        Connection c;
        try {
            c = writer();
        } catch (SQLException e) {
            throw store.failure(operation, e);
        }
        Savepoint sp = null;
        try {
            sp = c.setSavepoint();
            T out = work.run(c);
            c.releaseSavepoint(sp);
            return out;
        } catch (SQLException e) {
            if (PgStore.retryable(e) || !rollbackTo(c, sp)) {
                loseWriter(e);
                throw new StoreException("PostgreSQL store " + config.where() + ": " + operation + " failed and the "
                        + "connection was lost, so this index's uncommitted changes are lost: " + e.getMessage()
                        + "; memorise again" + (PgStore.retryable(e) ? " when the server is back" : ""), false, e);
            }
            Matcher m = DUPLICATE.matcher(String.valueOf(e.getMessage()));
            if ("23505".equals(e.getSQLState()) && m.find()) {
                throw new InvalidInputException("chunk id '" + m.group(1) + "' is already in the index", e);
            }
            throw store.failure(operation, e);
        } catch (RuntimeException e) {
            if (!rollbackTo(c, sp)) {
                loseWriter(e);
            }
            throw e;
        }
    }

    private static boolean rollbackTo(Connection c, Savepoint sp) {
        if (sp == null) {
            return false;
        }
        try {
            c.rollback(sp);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private void loseWriter(Exception cause) {
        lostReason = "the store connection failed with uncommitted changes (" + cause.getMessage() + ")";
        Connection c = writer;
        writer = null;
        closeQuietly(c, true);
    }

    /** Runs a read through the write transaction when one is open (it sees the pending changes), else the pool. */
    private <T> T read(String operation, Work<T> work) {
        synchronized (writerMonitor) {
            if (writer != null) {
                try {
                    return work.run(writer);
                } catch (SQLException e) {
                    throw store.failure(operation, e);
                }
            }
        }
        try (Connection c = store.connection(operation)) {
            return work.run(c);
        } catch (SQLException e) {
            throw store.failure(operation, e);
        }
    }

    private boolean hybrid() {
        return config.search() == PgVectorConfig.Search.HYBRID;
    }

    private void checkUsable() {
        if (closed) {
            throw new StateException(describe() + " is closed");
        }
        if (lostReason != null) {
            throw new StateException(describe() + " cannot be used: " + lostReason + "; reload or memorise again");
        }
    }

    private static void closeQuietly(Connection c, boolean rollback) {
        if (c == null) {
            return;
        }
        try {
            if (rollback && !c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException e) {
            LOG.debug("rollback on a failed connection: {}", e.getMessage());
        }
        try {
            c.setAutoCommit(true);
        } catch (SQLException e) {
            LOG.debug("resetting auto-commit on a failed connection: {}", e.getMessage());
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("closing a failed connection: {}", e.getMessage());
        }
    }

    @Override
    public String describe() {
        return "pgvector(" + embedder.id() + ", hnsw m=" + config.hnswM() + ", "
                + (hybrid() ? "hybrid " + config.fusion().method().name().toLowerCase(Locale.ROOT) + " w="
                        + config.fusion().denseWeight() + " fts=" + config.textSearchConfig() : "dense")
                + ", " + config.where() + ")";
    }

    /** Rolls back uncommitted changes (a memorise that did not reach {@link #save}) and closes the pool; idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (writer != null) {
                LOG.info("pgvector: rolling back uncommitted changes to {}", config.where());
                closeQuietly(writer, true);
                writer = null;
            }
            store.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}

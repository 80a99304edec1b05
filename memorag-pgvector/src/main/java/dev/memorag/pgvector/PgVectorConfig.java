package dev.memorag.pgvector;

import dev.memorag.error.InvalidInputException;
import dev.memorag.retrieval.chunks.HybridFusion;
import dev.memorag.retrieval.chunks.SubWindows;
import dev.memorag.spi.ProviderOptions;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a {@link PgVectorChunkIndex} keeps its chunks and how it searches them. Everything here is recorded in the
 * save directory; the password never is (see {@link PgPasswords}).
 *
 * <p>Thread-safety: immutable.
 *
 * @param url JDBC URL {@code jdbc:postgresql://host[:port]/database[?user=...]}, without a password
 * @param schema the store: a PostgreSQL schema holding the catalog and one pair of tables per namespace
 * @param namespace the memory inside the store
 * @param search {@link Search#HYBRID} (dense + full-text, fused like the local hybrid index) or {@link Search#DENSE}
 * @param windows sub-window embedding of long chunks, as in the local dense index
 * @param fusion how hybrid search fuses its two rankings
 * @param hnswM HNSW graph degree ({@code m})
 * @param hnswEfConstruction HNSW build beam ({@code ef_construction})
 * @param efSearch HNSW search beam ({@code hnsw.ef_search}, raised to the number of vectors a query needs)
 * @param textSearchConfig PostgreSQL text search configuration for the full-text half ({@code english},
 *     {@code simple}, ...; PostgreSQL has no Chinese word segmentation, so use {@code simple} or dense search there)
 * @param poolSize most pooled connections
 * @param connectTimeoutSeconds how long a call waits for a connection before failing as retriable
 */
public record PgVectorConfig(String url, String schema, String namespace, Search search, SubWindows windows,
        HybridFusion fusion, int hnswM, int hnswEfConstruction, int efSearch, String textSearchConfig, int poolSize,
        int connectTimeoutSeconds) {

    /** Option keys of {@link #fromOptions} (also the CLI's {@code --index-option key=value}). */
    public static final String URL = "url";
    public static final String SCHEMA = "schema";
    public static final String NAMESPACE = "namespace";
    public static final String SEARCH = "search";
    public static final String WINDOWS = "windows";
    public static final String FUSION = "fusion";
    public static final String DENSE_WEIGHT = "dense_weight";
    public static final String HNSW_M = "hnsw_m";
    public static final String HNSW_EF_CONSTRUCTION = "hnsw_ef_construction";
    public static final String EF_SEARCH = "ef_search";
    public static final String TEXT_SEARCH_CONFIG = "text_search_config";
    public static final String POOL_SIZE = "pool_size";
    public static final String CONNECT_TIMEOUT = "connect_timeout_seconds";

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,39}");
    private static final Pattern URL_SHAPE = Pattern.compile("jdbc:postgresql://[^/,]+/[^?]*(\\?.*)?");

    /** Search modes. */
    public enum Search {
        DENSE, HYBRID
    }

    public PgVectorConfig {
        Objects.requireNonNull(url, "url");
        if (!URL_SHAPE.matcher(url).matches()) {
            throw new InvalidInputException("pgvector option 'url' must look like jdbc:postgresql://host:port/database"
                    + " (one host), was '" + PgPasswords.redact(url) + "'");
        }
        if (url.toLowerCase(Locale.ROOT).matches(".*[?&]password=.*")) {
            throw new InvalidInputException("pgvector option 'url' must not contain a password (it would be saved): "
                    + "set MEMORAG_PG_PASSWORD or PGPASSWORD, or use a pgpass file; url was '"
                    + PgPasswords.redact(url) + "'");
        }
        identifier(SCHEMA, schema);
        identifier(NAMESPACE, namespace);
        Objects.requireNonNull(search, "search");
        Objects.requireNonNull(windows, "windows");
        Objects.requireNonNull(fusion, "fusion");
        if (!Pattern.matches("[a-z_]{1,40}", Objects.requireNonNull(textSearchConfig, "textSearchConfig"))) {
            throw new InvalidInputException("pgvector option 'text_search_config' must be a configuration name like "
                    + "'english', was '" + textSearchConfig + "'");
        }
        positive(HNSW_M, hnswM, 2, 100);
        positive(HNSW_EF_CONSTRUCTION, hnswEfConstruction, 4, 1000);
        positive(EF_SEARCH, efSearch, 1, 1000);
        positive(POOL_SIZE, poolSize, 1, 100);
        positive(CONNECT_TIMEOUT, connectTimeoutSeconds, 1, 3600);
    }

    /** Defaults for everything but the URL: schema {@code memorag}, namespace {@code default}, hybrid search. */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** A configuration from provider options (keys above); {@code url} is required. */
    public static PgVectorConfig fromOptions(ProviderOptions o) {
        String url = o.get(URL).orElseThrow(() -> new InvalidInputException("the pgvector index needs option 'url' "
                + "(CLI: --index-option url=jdbc:postgresql://host:5432/db?user=NAME)"));
        Builder b = builder(url);
        o.get(SCHEMA).ifPresent(b::schema);
        o.get(NAMESPACE).ifPresent(b::namespace);
        o.get(SEARCH).ifPresent(s -> b.search(parseSearch(s)));
        o.get(WINDOWS).ifPresent(w -> b.windows(Boolean.parseBoolean(w) ? SubWindows.DEFAULT : SubWindows.NONE));
        HybridFusion d = HybridFusion.DEFAULT;
        HybridFusion.Method m = o.get(FUSION).map(PgVectorConfig::parseFusion).orElse(d.method());
        double w = o.get(DENSE_WEIGHT).map(PgVectorConfig::parseWeight)
                .orElse(m == HybridFusion.Method.RRF ? 0.5 : d.denseWeight());
        b.fusion(new HybridFusion(m, w, d.depth(), d.rrfK()));
        b.hnsw(o.intValue(HNSW_M, b.hnswM), o.intValue(HNSW_EF_CONSTRUCTION, b.hnswEfConstruction));
        b.efSearch(o.intValue(EF_SEARCH, b.efSearch));
        o.get(TEXT_SEARCH_CONFIG).ifPresent(b::textSearchConfig);
        b.poolSize(o.intValue(POOL_SIZE, b.poolSize));
        b.connectTimeoutSeconds(o.intValue(CONNECT_TIMEOUT, b.connectTimeoutSeconds));
        return b.build();
    }

    /** The same configuration with another search beam. */
    public PgVectorConfig withEfSearch(int ef) {
        return new PgVectorConfig(url, schema, namespace, search, windows, fusion, hnswM, hnswEfConstruction, ef,
                textSearchConfig, poolSize, connectTimeoutSeconds);
    }

    /** The same configuration pointing at another server (a moved store); the URL must not hold a password. */
    public PgVectorConfig withUrl(String otherUrl) {
        return new PgVectorConfig(otherUrl, schema, namespace, search, windows, fusion, hnswM, hnswEfConstruction,
                efSearch, textSearchConfig, poolSize, connectTimeoutSeconds);
    }

    /** {@code url (schema.namespace)}, for messages. */
    String where() {
        return url + " (store " + schema + ", namespace " + namespace + ")";
    }

    static Search parseSearch(String s) {
        try {
            return Search.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("pgvector option 'search' must be dense or hybrid, was '" + s + "'");
        }
    }

    private static HybridFusion.Method parseFusion(String s) {
        try {
            return HybridFusion.Method.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("pgvector option 'fusion' must be zscore or rrf, was '" + s + "'");
        }
    }

    private static double parseWeight(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("pgvector option 'dense_weight' must be a number, was '" + s + "'");
        }
    }

    private static void identifier(String field, String value) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new InvalidInputException("pgvector option '" + field + "' must match [a-z][a-z0-9_]{0,39}, was '"
                    + value + "'");
        }
    }

    private static void positive(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidInputException("pgvector option '" + field + "' must be in [" + min + ", " + max
                    + "], was " + value);
        }
    }

    /**
     * Builder with the defaults: schema {@code memorag}, namespace {@code default}, hybrid search with
     * {@link HybridFusion#DEFAULT}, {@link SubWindows#DEFAULT}, HNSW m 16 / ef_construction 64 / ef_search 40 (pgvector's
     * defaults), text search {@code english}, 4 connections, 10 s connect timeout.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private final String url;
        private String schema = "memorag";
        private String namespace = "default";
        private Search search = Search.HYBRID;
        private SubWindows windows = SubWindows.DEFAULT;
        private HybridFusion fusion = HybridFusion.DEFAULT;
        private int hnswM = 16;
        private int hnswEfConstruction = 64;
        private int efSearch = 40;
        private String textSearchConfig = "english";
        private int poolSize = 4;
        private int connectTimeoutSeconds = 10;

        private Builder(String url) {
            this.url = Objects.requireNonNull(url, "url");
        }

        public Builder schema(String s) {
            this.schema = s;
            return this;
        }

        public Builder namespace(String ns) {
            this.namespace = ns;
            return this;
        }

        public Builder search(Search s) {
            this.search = s;
            return this;
        }

        public Builder windows(SubWindows w) {
            this.windows = w;
            return this;
        }

        public Builder fusion(HybridFusion f) {
            this.fusion = f;
            return this;
        }

        public Builder hnsw(int m, int efConstruction) {
            this.hnswM = m;
            this.hnswEfConstruction = efConstruction;
            return this;
        }

        public Builder efSearch(int ef) {
            this.efSearch = ef;
            return this;
        }

        public Builder textSearchConfig(String config) {
            this.textSearchConfig = config;
            return this;
        }

        public Builder poolSize(int size) {
            this.poolSize = size;
            return this;
        }

        public Builder connectTimeoutSeconds(int seconds) {
            this.connectTimeoutSeconds = seconds;
            return this;
        }

        public PgVectorConfig build() {
            return new PgVectorConfig(url, schema, namespace, search, windows, fusion, hnswM, hnswEfConstruction,
                    efSearch, textSearchConfig, poolSize, connectTimeoutSeconds);
        }
    }
}

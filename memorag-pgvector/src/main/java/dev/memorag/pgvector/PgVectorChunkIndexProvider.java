package dev.memorag.pgvector;

import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.spi.ProviderOptions;
import java.nio.file.Path;

/**
 * Creates and reopens {@link PgVectorChunkIndex}es (kind {@link ChunkIndexKind#PGVECTOR}). Found through
 * {@code META-INF/services} with the options of {@link PgVectorConfig#fromOptions} (CLI:
 * {@code --index pgvector --index-option url=...}); or constructed with a {@link PgVectorConfig} and given to
 * {@code MemoRAG.builder().chunkIndex(provider)}, in which case its URL (and password, if given) also serve
 * reloading, so a store that moved is reached at its new address.
 *
 * <p>Thread-safety: immutable.
 */
public final class PgVectorChunkIndexProvider implements ChunkIndexProvider {
    private final PgVectorConfig config;
    private final String password;

    /** The ServiceLoader provider: configuration from options, password from {@link PgPasswords}. */
    public PgVectorChunkIndexProvider() {
        this(null, null);
    }

    /**
     * A provider for one configured store.
     *
     * @param config the store and search settings
     * @param password the password (kept in memory only), or null to use {@link PgPasswords}
     */
    public PgVectorChunkIndexProvider(PgVectorConfig config, String password) {
        this.config = config;
        this.password = password;
    }

    @Override
    public ChunkIndexKind kind() {
        return ChunkIndexKind.PGVECTOR;
    }

    @Override
    public ChunkIndex create(Embedder embedder, ProviderOptions options) {
        PgVectorConfig c = config != null ? config : PgVectorConfig.fromOptions(options);
        return password != null ? PgVectorChunkIndex.create(c, embedder, password)
                : PgVectorChunkIndex.create(c, embedder);
    }

    @Override
    public ChunkIndex load(Path directory, Embedder embedder) {
        return PgVectorChunkIndex.load(directory, embedder, config == null ? null : config.url(), password);
    }
}

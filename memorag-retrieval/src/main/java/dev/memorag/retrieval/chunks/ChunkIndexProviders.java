package dev.memorag.retrieval.chunks;

import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.spi.ProviderOptions;
import java.nio.file.Path;

/**
 * The {@link ChunkIndexProvider}s of this module (registered in {@code META-INF/services}). Options:
 * {@code vector_index} ({@code flat}|{@code hnsw}), {@code windows} ({@code true}|{@code false}), and for hybrid
 * {@code fusion} ({@code zscore}|{@code rrf}) and {@code dense_weight}.
 *
 * <p>Thread-safety: stateless.
 */
public final class ChunkIndexProviders {
    public static final String VECTOR_INDEX = "vector_index";
    public static final String WINDOWS = "windows";
    public static final String FUSION = "fusion";
    public static final String DENSE_WEIGHT = "dense_weight";

    private ChunkIndexProviders() {
    }

    static VectorIndexType type(ProviderOptions o) {
        return VectorIndexType.parse(o.get(VECTOR_INDEX).orElse("flat"));
    }

    static SubWindows windows(ProviderOptions o) {
        return o.get(WINDOWS).map(Boolean::parseBoolean).orElse(true) ? SubWindows.DEFAULT : SubWindows.NONE;
    }

    /** Dense provider. */
    public static final class Dense implements ChunkIndexProvider {
        @Override
        public ChunkIndexKind kind() {
            return ChunkIndexKind.DENSE;
        }

        @Override
        public ChunkIndex create(Embedder embedder, ProviderOptions options) {
            return DenseChunkIndex.builder(embedder).vectorIndex(type(options)).windows(windows(options)).build();
        }

        @Override
        public ChunkIndex load(Path directory, Embedder embedder) {
            return DenseChunkIndex.load(directory, embedder);
        }
    }

    /** BM25 provider (the embedder is ignored). */
    public static final class Bm25 implements ChunkIndexProvider {
        @Override
        public ChunkIndexKind kind() {
            return ChunkIndexKind.BM25;
        }

        @Override
        public ChunkIndex create(Embedder embedder, ProviderOptions options) {
            return new Bm25ChunkIndex();
        }

        @Override
        public ChunkIndex load(Path directory, Embedder embedder) {
            return Bm25ChunkIndex.load(directory);
        }
    }

    /** Hybrid provider. */
    public static final class Hybrid implements ChunkIndexProvider {
        @Override
        public ChunkIndexKind kind() {
            return ChunkIndexKind.HYBRID;
        }

        @Override
        public ChunkIndex create(Embedder embedder, ProviderOptions options) {
            HybridFusion d = HybridFusion.DEFAULT;
            HybridFusion.Method m = options.get(FUSION).map(s -> s.equalsIgnoreCase("rrf") ? HybridFusion.Method.RRF
                    : HybridFusion.Method.ZSCORE).orElse(d.method());
            double w = options.get(DENSE_WEIGHT).map(s -> {
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new dev.memorag.error.InvalidInputException("option 'dense_weight' must be a number, was '" + s
                            + "'");
                }
            }).orElse(m == HybridFusion.Method.RRF ? 0.5 : d.denseWeight());
            return HybridChunkIndex.builder(embedder).vectorIndex(type(options)).windows(windows(options))
                    .fusion(new HybridFusion(m, w, d.depth(), d.rrfK())).build();
        }

        @Override
        public ChunkIndex load(Path directory, Embedder embedder) {
            return HybridChunkIndex.load(directory, embedder);
        }
    }
}

package dev.memorag.pgvector;

import dev.memorag.api.ChunkIndex;
import dev.memorag.api.Embedder;
import dev.memorag.retrieval.chunks.HybridFusion;
import dev.memorag.testing.ChunkIndexContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;

/** The {@link ChunkIndexContract} against the real test server (skipped without one), in each search mode. */
class PgVectorContractTest {

    @Nested
    class Hybrid extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return PgVectorChunkIndex.create(PgTestServer.config("hybrid").build(), embedder);
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return PgVectorChunkIndex.load(directory, embedder);
        }
    }

    @Nested
    class HybridRrf extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return PgVectorChunkIndex.create(PgTestServer.config("rrf").fusion(HybridFusion.rrf()).build(), embedder);
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return PgVectorChunkIndex.load(directory, embedder);
        }
    }

    @Nested
    class Dense extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return PgVectorChunkIndex.create(PgTestServer.config("dense").search(PgVectorConfig.Search.DENSE).build(),
                    embedder);
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return PgVectorChunkIndex.load(directory, embedder);
        }
    }
}

package dev.memorag.retrieval.contract;

import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.Embedder;
import dev.memorag.retrieval.chunks.Bm25ChunkIndex;
import dev.memorag.retrieval.chunks.DenseChunkIndex;
import dev.memorag.retrieval.chunks.HybridChunkIndex;
import dev.memorag.retrieval.chunks.HybridFusion;
import dev.memorag.retrieval.chunks.VectorIndexType;
import dev.memorag.retrieval.graph.ExtractionResult;
import dev.memorag.retrieval.graph.GraphChunkIndex;
import dev.memorag.retrieval.graph.TripleExtractor;
import dev.memorag.retrieval.graph.Triple;
import dev.memorag.testing.ChunkIndexContract;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Nested;

/** The {@link ChunkIndexContract} for every local chunk index of this module. */
class LocalChunkIndexContractTest {

    @Nested
    class DenseFlat extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return DenseChunkIndex.builder(embedder).build();
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return DenseChunkIndex.load(directory, embedder);
        }
    }

    @Nested
    class DenseHnsw extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return DenseChunkIndex.builder(embedder).vectorIndex(VectorIndexType.HNSW).build();
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return DenseChunkIndex.load(directory, embedder);
        }
    }

    @Nested
    class Bm25 extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return new Bm25ChunkIndex();
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return Bm25ChunkIndex.load(directory);
        }

        @Override
        protected boolean usesEmbedder() {
            return false;
        }
    }

    @Nested
    class HybridZscore extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return HybridChunkIndex.builder(embedder).build();
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return HybridChunkIndex.load(directory, embedder);
        }
    }

    @Nested
    class HybridRrf extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return HybridChunkIndex.builder(embedder).fusion(HybridFusion.rrf()).build();
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return HybridChunkIndex.load(directory, embedder);
        }
    }

    @Nested
    class Graph extends ChunkIndexContract {
        @Override
        protected ChunkIndex create(Embedder embedder) {
            return GraphChunkIndex.builder(embedder).extractor(new WordTriples()).build();
        }

        @Override
        protected ChunkIndex load(Path directory, Embedder embedder) {
            return GraphChunkIndex.builder(embedder).extractor(new WordTriples()).load(directory);
        }
    }

    /** Deterministic stand-in for OpenIE: the chunk's first long word relates to each of its other long words. */
    static final class WordTriples implements TripleExtractor {
        @Override
        public List<ExtractionResult> extract(List<Chunk> chunks, dev.memorag.api.ProgressListener progress) {
            List<ExtractionResult> out = new ArrayList<>();
            for (Chunk c : chunks) {
                List<String> words = Arrays.stream(c.text().toLowerCase(Locale.ROOT).split("[^a-z]+"))
                        .filter(w -> w.length() > 4).distinct().limit(8).toList();
                List<Triple> triples = new ArrayList<>();
                for (int i = 1; i < words.size(); i++) {
                    triples.add(new Triple(words.get(0), "mentions", words.get(i)));
                }
                out.add(new ExtractionResult(c, ExtractionResult.Status.OK, words, triples, 1, ""));
            }
            return out;
        }
    }
}

package dev.memorag.retrieval.graph;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import dev.memorag.api.Generator;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.nio.file.Path;

/**
 * Creates GRAPH chunk indexes. Options: {@value #OPENIE} (a HippoRAG OpenIE JSON file with precomputed triples) or
 * {@value #GENERATOR} (a generator reference for LLM extraction); {@value #FILTER} = true adds the LLM recognition
 * filter (needs {@value #GENERATOR}); {@value #ALLOW_FAILED} = true adds chunks whose extraction failed without facts.
 * An index reloaded with {@link #load} answers queries; give it an extractor through {@link GraphChunkIndex#builder}
 * to add more chunks.
 *
 * <p>Thread-safety: stateless.
 */
public final class GraphChunkIndexProvider implements ChunkIndexProvider {
    public static final String OPENIE = "graph.openie";
    public static final String GENERATOR = "graph.generator";
    public static final String FILTER = "graph.filter";
    public static final String ALLOW_FAILED = "graph.allow_failed_extractions";

    @Override
    public ChunkIndexKind kind() {
        return ChunkIndexKind.GRAPH;
    }

    @Override
    public ChunkIndex create(Embedder embedder, ProviderOptions options) {
        GraphChunkIndex.Builder b = GraphChunkIndex.builder(embedder).allowFailedExtractions(options.flag(ALLOW_FAILED));
        String openie = options.get(OPENIE).orElse(null);
        String generatorRef = options.get(GENERATOR).orElse(null);
        if (openie == null && generatorRef == null) {
            throw new InvalidInputException("graph index needs option '" + OPENIE + "' (OpenIE JSON file) or '"
                    + GENERATOR + "' (generator reference) to extract triples");
        }
        Generator generator = generatorRef == null ? null : Providers.generator(generatorRef, options);
        if (generator != null) {
            b.closeWith(generator);
        }
        b.extractor(openie != null ? PrecomputedExtractions.fromOpenIe(Path.of(openie))
                : LlmTripleExtractor.builder(generator).build());
        if (options.flag(FILTER)) {
            if (generator == null) {
                throw new InvalidInputException("option '" + FILTER + "' needs option '" + GENERATOR + "'");
            }
            b.filter(new LlmFactFilter(generator, 4));
        }
        return b.build();
    }

    @Override
    public ChunkIndex load(Path directory, Embedder embedder) {
        return GraphChunkIndex.builder(embedder).load(directory);
    }
}

package dev.memorag.internal;

import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import dev.memorag.api.Generator;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenCounter;
import dev.memorag.pipeline.ChunkIndexProviders;
import dev.memorag.prompt.Prompts;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.spi.ProviderOptions;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of a pipeline, frozen when {@code MemoRAGBuilder.build()} runs. Each component is either an
 * instance (the caller owns it) or a reference (the pipeline creates and owns it); at most one of each pair is set.
 *
 * <p>Thread-safety: immutable (the component instances it names are as thread-safe as their own types).
 *
 * @param memoryModel memory model instance, or null
 * @param memoryModelRef memory model reference, or null
 * @param embedder embedder instance, or null
 * @param embedderRef embedder reference, or null (then a language default)
 * @param chunkIndexKind chunk index kind, or null
 * @param chunkIndexProvider chunk index provider, or null (then by kind, else the default)
 * @param generator generator instance, or null
 * @param generatorRef generator reference, or null (then the memory model answers)
 * @param chunkTokens retrieval chunk size, or 0 for the language default
 * @param hits chunks retrieved per query
 * @param language fixed language, or null to detect it
 * @param promptOverrides prompt templates replacing the built-in ones
 * @param providerOptions options for the providers that create components from references
 * @param progress progress listener of memorising
 * @param tokenCounter counter for chunk sizes
 * @param generatorTokenCounter counter for fitting evidence, or null (then the generator's own, else
 *     {@code tokenCounter})
 */
public record PipelineConfig(MemoryModel memoryModel, String memoryModelRef, Embedder embedder, String embedderRef,
        ChunkIndexKind chunkIndexKind, ChunkIndexProvider chunkIndexProvider, Generator generator, String generatorRef,
        int chunkTokens, int hits, Language language, Map<Prompts.Template, String> promptOverrides,
        ProviderOptions providerOptions, ProgressListener progress, TokenCounter tokenCounter,
        TokenCounter generatorTokenCounter) {

    /** Default embedder reference for English text (offline, bundled). */
    public static final String DEFAULT_EMBEDDER_EN = "bge-small-en-v1.5-q";
    /** Default embedder reference for Chinese text (offline, bundled). */
    public static final String DEFAULT_EMBEDDER_ZH = "bge-small-zh-v1.5-q";
    /** Default retrieval chunk size for English (MemoRAG: 512 cl100k tokens). */
    public static final int DEFAULT_CHUNK_TOKENS = 512;
    /** Default retrieval chunk size for Chinese (MemoRAG: 2,048). */
    public static final int DEFAULT_CHUNK_TOKENS_ZH = 2048;
    /** Default chunks per retrieval query. */
    public static final int DEFAULT_HITS = 3;
    /** Tokens kept free for the chat template's framing when fitting evidence (role markers, special tokens). */
    public static final int TEMPLATE_RESERVE_TOKENS = 16;

    public PipelineConfig {
        promptOverrides = promptOverrides.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(promptOverrides));
        Objects.requireNonNull(providerOptions, "providerOptions");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(tokenCounter, "tokenCounter");
    }

    /** The configured language, else {@code detected}. */
    public Language languageOr(Language detected) {
        return language != null ? language : detected;
    }

    /** The configured chunk size, else the default for {@code lang}. */
    public int chunkTokensFor(Language lang) {
        return chunkTokens > 0 ? chunkTokens : lang == Language.ZH ? DEFAULT_CHUNK_TOKENS_ZH : DEFAULT_CHUNK_TOKENS;
    }

    /** Whether the embedder is configured (instance or reference) rather than chosen by language. */
    public boolean embedderConfigured() {
        return embedder != null || embedderRef != null;
    }

    /** The default embedder reference for {@code lang}. */
    public static String defaultEmbedder(Language lang) {
        return lang == Language.ZH ? DEFAULT_EMBEDDER_ZH : DEFAULT_EMBEDDER_EN;
    }

    /** The built-in prompts of {@code lang} with this configuration's overrides. */
    public Prompts prompts(Language lang) {
        Prompts p = Prompts.forLanguage(lang == null ? Language.EN : lang);
        for (Map.Entry<Prompts.Template, String> e : promptOverrides.entrySet()) {
            p = p.with(e.getKey(), e.getValue());
        }
        return p;
    }

    /** The provider that creates a new index: the configured one, else by kind, else hybrid or dense. */
    public ChunkIndexProvider newIndexProvider() {
        return chunkIndexProvider != null ? chunkIndexProvider
                : chunkIndexKind != null ? ChunkIndexProviders.require(chunkIndexKind)
                : ChunkIndexProviders.defaultProvider();
    }

    /** The provider that reloads a saved index of {@code kind}: the configured one if it is of that kind. */
    public ChunkIndexProvider indexProviderFor(ChunkIndexKind kind) {
        return chunkIndexProvider != null && chunkIndexProvider.kind() == kind ? chunkIndexProvider
                : ChunkIndexProviders.require(kind);
    }
}

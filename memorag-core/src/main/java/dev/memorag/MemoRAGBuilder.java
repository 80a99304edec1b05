package dev.memorag;

import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import dev.memorag.api.Generator;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenCounter;
import dev.memorag.error.InvalidInputException;
import dev.memorag.internal.PipelineConfig;
import dev.memorag.prompt.Prompts;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.text.Cl100kTokenCounter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of a {@link MemoRAG} pipeline. Each component is a reference (resolved through the providers on
 * the class path when {@link #build} runs) or an instance; the last call for a component wins.
 *
 * <p>Defaults: no memory model (RAG only) unless one is set; the embedder {@value MemoRAG#DEFAULT_EMBEDDER_EN} or
 * {@value MemoRAG#DEFAULT_EMBEDDER_ZH} by the text's language; a hybrid chunk index when a provider exists, else dense;
 * the memory model as generator; 512-token chunks (2,048 for Chinese); 3 hits per clue; language detected with
 * {@link Language#detect}; the built-in prompts.
 *
 * <p>Thread-safety: not thread-safe; {@link #build} freezes it into a {@link PipelineConfig}, so the built
 * pipeline never sees later changes.
 */
public final class MemoRAGBuilder {
    private MemoryModel memoryModel;
    private String memoryModelRef;
    private Embedder embedder;
    private String embedderRef;
    private ChunkIndexKind chunkIndexKind;
    private ChunkIndexProvider chunkIndexProvider;
    private Generator generator;
    private String generatorRef;
    private int chunkTokens;
    private int hits = MemoRAG.DEFAULT_HITS;
    private Language language;
    private final Map<Prompts.Template, String> promptOverrides = new EnumMap<>(Prompts.Template.class);
    private final Map<String, String> options = new LinkedHashMap<>();
    private ProgressListener progress = ProgressListener.NONE;
    private TokenCounter tokenCounter = Cl100kTokenCounter.INSTANCE;
    private TokenCounter generatorTokenCounter;

    MemoRAGBuilder() {
    }

    /** The memory model by reference (path, hub id, {@code lite:<chat model>}, ...), owned by the pipeline. */
    public MemoRAGBuilder memoryModel(String reference) {
        memoryModelRef = requireReference("memory model", reference);
        memoryModel = null;
        return this;
    }

    /** A memory model instance; the caller keeps ownership. */
    public MemoRAGBuilder memoryModel(MemoryModel model) {
        memoryModel = Objects.requireNonNull(model, "model");
        memoryModelRef = null;
        return this;
    }

    /** The embedder by reference (overrides the language default), owned by the pipeline. */
    public MemoRAGBuilder embedder(String reference) {
        embedderRef = requireReference("embedder", reference);
        embedder = null;
        return this;
    }

    /** An embedder instance; the caller keeps ownership. */
    public MemoRAGBuilder embedder(Embedder instance) {
        embedder = Objects.requireNonNull(instance, "embedder");
        embedderRef = null;
        return this;
    }

    /** The chunk index kind, resolved through the {@link ChunkIndexProvider}s on the class path. */
    public MemoRAGBuilder chunkIndex(ChunkIndexKind kind) {
        chunkIndexKind = Objects.requireNonNull(kind, "kind");
        chunkIndexProvider = null;
        return this;
    }

    /** A chunk index provider to create (and reload) the index with. */
    public MemoRAGBuilder chunkIndex(ChunkIndexProvider provider) {
        chunkIndexProvider = Objects.requireNonNull(provider, "provider");
        chunkIndexKind = null;
        return this;
    }

    /** The generator by reference (e.g. {@code openai:gpt-4o-mini}), owned by the pipeline. */
    public MemoRAGBuilder generator(String reference) {
        generatorRef = requireReference("generator", reference);
        generator = null;
        return this;
    }

    /** A generator instance; the caller keeps ownership. */
    public MemoRAGBuilder generator(Generator instance) {
        generator = Objects.requireNonNull(instance, "generator");
        generatorRef = null;
        return this;
    }

    /** Retrieval chunk size in tokens (default 512, 2,048 for Chinese). */
    public MemoRAGBuilder chunkTokens(int tokens) {
        chunkTokens = positive("chunkTokens", tokens);
        return this;
    }

    /** Chunks retrieved per clue and for the query (default 3). */
    public MemoRAGBuilder hitsPerClue(int hitsPerClue) {
        hits = positive("hitsPerClue", hitsPerClue);
        return this;
    }

    /** Beacon compression ratio, passed to the memory model provider as {@link ProviderOptions#BEACON_RATIO}. */
    public MemoRAGBuilder beaconRatio(int ratio) {
        return option(ProviderOptions.BEACON_RATIO, Integer.toString(positive("beaconRatio", ratio)));
    }

    /** Fixes the language instead of detecting it from the text. */
    public MemoRAGBuilder language(Language lang) {
        language = Objects.requireNonNull(lang, "language");
        return this;
    }

    /** Overrides one prompt template (for whichever language is used); placeholders as in the built-in one. */
    public MemoRAGBuilder prompt(Prompts.Template template, String text) {
        Objects.requireNonNull(template, "template");
        Prompts.requirePlaceholders(template.name().toLowerCase(java.util.Locale.ROOT),
                Objects.requireNonNull(text, "text"), template.placeholders().toArray(String[]::new));
        promptOverrides.put(template, text);
        return this;
    }

    /**
     * Where the local models run: {@code cpu}, {@code cuda} or {@code auto} (CUDA when DJL sees a GPU), passed to
     * providers as {@link ProviderOptions#DEVICE}.
     */
    public MemoRAGBuilder device(String deviceName) {
        return option(ProviderOptions.DEVICE, requireReference("device", deviceName));
    }

    /**
     * Weight precision of the local models: {@code fp32}, {@code fp16} or {@code int8} (weight-only, CPU), passed to
     * providers as {@link ProviderOptions#DTYPE}; unset, fp16 on CUDA and fp32 on the CPU.
     */
    public MemoRAGBuilder dtype(String dtype) {
        return option(ProviderOptions.DTYPE, requireReference("dtype", dtype));
    }

    /** Allows providers to download models from the hub ({@link ProviderOptions#DOWNLOAD}); default false. */
    public MemoRAGBuilder allowDownload(boolean allow) {
        return option(ProviderOptions.DOWNLOAD, Boolean.toString(allow));
    }

    /** Any other provider option (documented by each provider). */
    public MemoRAGBuilder option(String key, String value) {
        options.put(requireReference("option key", key), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Receives progress of memorising ({@code chunk}, embedding, {@code memorize}, {@code save} stages). */
    public MemoRAGBuilder progress(ProgressListener listener) {
        progress = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** The token counter for retrieval chunk sizes (default cl100k, as MemoRAG). */
    public MemoRAGBuilder tokenCounter(TokenCounter tokens) {
        tokenCounter = Objects.requireNonNull(tokens, "tokenCounter");
        return this;
    }

    /**
     * The generator's own token counter, used to fit evidence into its window. Default: the generator itself
     * when it implements {@link TokenCounter}, else the chunking counter (cl100k), which is close for
     * Qwen/Llama-style BPE tokenizers but not exact.
     */
    public MemoRAGBuilder generatorTokenCounter(TokenCounter tokens) {
        generatorTokenCounter = Objects.requireNonNull(tokens, "generatorTokenCounter");
        return this;
    }

    /** Creates the configured components and returns an empty pipeline. */
    public MemoRAG build() {
        return new MemoRAG(new PipelineConfig(memoryModel, memoryModelRef, embedder, embedderRef, chunkIndexKind,
                chunkIndexProvider, generator, generatorRef, chunkTokens, hits, language, promptOverrides,
                new ProviderOptions(options), progress, tokenCounter, generatorTokenCounter));
    }

    /** Builds and loads {@code saveDir}; see {@link MemoRAG#load(Path, MemoRAGBuilder)}. */
    public MemoRAG load(Path saveDir) {
        return MemoRAG.load(saveDir, this);
    }

    private static String requireReference(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(what + " must not be blank");
        }
        return value;
    }

    private static int positive(String what, int value) {
        if (value <= 0) {
            throw new InvalidInputException(what + " must be > 0, was " + value);
        }
        return value;
    }
}

package dev.memorag.cli;

import dev.memorag.MemoRAG;
import dev.memorag.error.InvalidInputException;
import dev.memorag.MemoRAGBuilder;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Generator;
import dev.memorag.api.Language;
import dev.memorag.api.ProgressListener;
import dev.memorag.generation.Generators;
import dev.memorag.spi.ProviderOptions;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The model options shared by the pipeline commands ({@code memorize}, {@code ask}, {@code summarize},
 * {@code recall}, {@code demo}). References accept a local path, a Hugging Face id (resolved through the local cache,
 * downloaded only with {@code --download}) or, for the generator, an OpenAI-compatible endpoint.
 *
 * <p>Thread-safety: not thread-safe (picocli fills it once per command).
 */
public final class PipelineOptions {
    @Option(names = "--memory-model", paramLabel = "REF",
            description = "Memory model: a MemoRAG beacon checkpoint (path or hub id), lite:<chat model> for "
                    + "MemoRAG-Lite, or another memory model reference.")
    String memoryModel;

    @Option(names = "--embedder", paramLabel = "REF",
            description = "Embedder (default: bge-small-en-v1.5-q, or bge-small-zh-v1.5-q for Chinese; bundled).")
    String embedder;

    @Option(names = "--generator", paramLabel = "REF",
            description = "Generator: openai:<model>, deepseek:<model>, azure:<deployment>, http(s)://host/v1#model, "
                    + "or a local chat model directory or .gguf file (default: the memory model; else OPENAI_API_KEY / "
                    + "OPENAI_BASE_URL).")
    String generator;

    @Option(names = "--index", paramLabel = "KIND",
            description = "Chunk index: dense, bm25, hybrid or pgvector (default: hybrid when available).")
    ChunkIndexKind index;

    @Option(names = "--index-option", paramLabel = "KEY=VALUE",
            description = "Chunk index option, repeatable: for pgvector url=jdbc:postgresql://host:5432/db?user=NAME "
                    + "(password from MEMORAG_PG_PASSWORD, PGPASSWORD or ~/.pgpass), schema, namespace, "
                    + "search=hybrid|dense, fusion, dense_weight, windows, hnsw_m, hnsw_ef_construction, ef_search, "
                    + "text_search_config; for the local indexes vector_index=flat|hnsw, windows, fusion, "
                    + "dense_weight.")
    Map<String, String> indexOptions = new LinkedHashMap<>();

    @Option(names = "--chunk-tokens", paramLabel = "N",
            description = "Retrieval chunk size in tokens (default 512, 2048 for Chinese).")
    Integer chunkTokens;

    @Option(names = "--language", paramLabel = "LANG", description = "en or zh (default: detected).")
    Language language;

    @Option(names = "--download", description = "Allow downloading models from the Hugging Face hub.")
    boolean download;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "cpu, cuda or auto for the local models (default auto: cuda when a GPU is visible).")
    String device;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "fp32, fp16 or int8 weights of the local models "
            + "(default: fp16 on cuda, fp32 on cpu; int8 is CPU only and quarters the weight memory).")
    String dtype;

    @Option(names = "--beacon-ratio", paramLabel = "R", description = "Beacon compression ratio of the memory model.")
    Integer beaconRatio;

    @Mixin
    ProgressOptions progress;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** Progress on the command's standard error, as {@code --quiet} and {@code --plain-progress} ask. */
    public ProgressBar progressBar() {
        return progress.bar(spec.commandLine().getErr(), ProgressBar.Unit.COUNT);
    }

    /** The command's standard error: notes that are not results. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A builder with these options; {@code --generator} is created (and owned) by the pipeline. */
    public MemoRAGBuilder builder(ProgressListener progress) {
        MemoRAGBuilder b = MemoRAG.builder().progress(progress).allowDownload(download);
        if (memoryModel != null) {
            b.memoryModel(memoryModel);
        }
        if (embedder != null) {
            b.embedder(embedder);
        }
        if (generator != null) {
            b.generator(generator);
        }
        if (index != null) {
            b.chunkIndex(index);
        }
        indexOptions.forEach(b::option);
        if (chunkTokens != null) {
            b.chunkTokens(chunkTokens);
        }
        if (language != null) {
            b.language(language);
        }
        if (device != null) {
            b.device(device);
        }
        if (dtype != null) {
            b.option(ProviderOptions.DTYPE, dtype);
        }
        if (beaconRatio != null) {
            b.beaconRatio(beaconRatio);
        }
        return b;
    }

    /** Whether the environment configures a remote generator (OpenAI, Azure OpenAI, DeepSeek variables). */
    /** Checks {@code --hits} by its command-line name, before any model loads. */
    static int requireHits(int hits) {
        if (hits < 0) {
            throw new InvalidInputException("--hits must be >= 0 (0: the default of " + MemoRAG.DEFAULT_HITS
                    + "), was " + hits);
        }
        return hits;
    }

    static boolean environmentHasGenerator(Map<String, String> env) {
        for (String k : new String[] {Generators.OPENAI_API_KEY, Generators.OPENAI_BASE_URL,
                Generators.AZURE_OPENAI_API_KEY, Generators.DEEPSEEK_API_KEY}) {
            String v = env.get(k);
            if (v != null && !v.isBlank()) {
                return true;
            }
        }
        return false;
    }

    /**
     * When the loaded pipeline has nothing that answers (no {@code --generator}, no memory model that can act as a
     * generator), attaches the generator the OpenAI-style environment variables configure and returns it for the
     * caller to close after the pipeline; else null.
     */
    static Generator attachEnvironmentGenerator(MemoRAG rag) {
        if (rag.hasGenerator() || !environmentHasGenerator(System.getenv())) {
            return null;
        }
        Generator env = Generators.fromEnvironment();
        rag.attachGenerator(env);
        return env;
    }
}

package dev.memorag.cli;

import dev.memorag.MemoRAG;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Generator;
import dev.memorag.api.Language;
import dev.memorag.api.ProgressListener;
import dev.memorag.generation.Generators;
import dev.memorag.memory.LocalGenerator;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.util.Map;
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
            description = "Chunk index: dense, bm25 or hybrid (default: hybrid when available).")
    ChunkIndexKind index;

    @Option(names = "--chunk-tokens", paramLabel = "N",
            description = "Retrieval chunk size in tokens (default 512, 2048 for Chinese).")
    Integer chunkTokens;

    @Option(names = "--language", paramLabel = "LANG", description = "en or zh (default: detected).")
    Language language;

    @Option(names = "--download", description = "Allow downloading models from the Hugging Face hub.")
    boolean download;

    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, gpu or auto (default: provider's choice).")
    String device;

    @Option(names = "--beacon-ratio", paramLabel = "R", description = "Beacon compression ratio of the memory model.")
    Integer beaconRatio;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** A progress bar on the command's standard error (plain lines when it is not a terminal). */
    public ProgressBar progressBar() {
        return ProgressBar.forStderr(spec.commandLine().getErr(), quiet, ProgressBar.Unit.COUNT);
    }

    /**
     * A builder with these options and {@code generator} (an instance the caller owns, or null). A local generator's
     * own tokenizer measures prompts when evidence is fitted to its window.
     */
    public MemoRAG.Builder builder(ProgressListener progress, Generator generator) {
        MemoRAG.Builder b = MemoRAG.builder().progress(progress).allowDownload(download);
        if (memoryModel != null) {
            b.memoryModel(memoryModel);
        }
        if (embedder != null) {
            b.embedder(embedder);
        }
        if (generator != null) {
            useGenerator(b, generator);
        }
        if (index != null) {
            b.chunkIndex(index);
        }
        if (chunkTokens != null) {
            b.chunkTokens(chunkTokens);
        }
        if (language != null) {
            b.language(language);
        }
        if (device != null) {
            b.device(device);
        }
        if (beaconRatio != null) {
            b.beaconRatio(beaconRatio);
        }
        return b;
    }

    /** Sets {@code generator} on {@code b}; a local model's own tokenizer then measures prompts for fitting. */
    static MemoRAG.Builder useGenerator(MemoRAG.Builder b, Generator generator) {
        b.generator(generator);
        if (generator instanceof LocalGenerator local) {
            b.generatorTokenCounter(local.tokenizer());
        }
        return b;
    }

    /** The generator named by {@code --generator}, or null; the caller closes it. */
    Generator openGenerator() {
        if (generator == null) {
            return null;
        }
        ProviderOptions o = ProviderOptions.EMPTY.with(ProviderOptions.DOWNLOAD, Boolean.toString(download));
        if (device != null) {
            o = o.with(ProviderOptions.DEVICE, device);
        }
        return Providers.generator(generator, o);
    }

    /** Whether the environment configures a remote generator (OpenAI, Azure OpenAI, DeepSeek variables). */
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

    /** The environment's OpenAI-style generator when {@code --generator} is not given and one is configured. */
    Generator environmentGenerator() {
        if (generator != null || !environmentHasGenerator(System.getenv())) {
            return null;
        }
        return Generators.fromEnvironment();
    }
}

package dev.memorag.cli;

import dev.memorag.error.InvalidInputException;
import dev.memorag.MemoRAG;
import dev.memorag.MemoRAGBuilder;
import dev.memorag.api.Generator;
import dev.memorag.generation.server.ChatBackend;
import dev.memorag.generation.server.ChatServer;
import dev.memorag.generation.server.GeneratorBackend;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag serve}: an OpenAI-compatible chat-completions server on the JDK's HTTP server. With {@code --save} it
 * answers through the MemoRAG pipeline over that save directory (evidence in the extra {@code evidence} field): with
 * the save's memory model when it has one, else by retrieval; {@code --generator} (or the OpenAI variables) writes the
 * answers, else the memory model does. It refuses to start when nothing could answer. With only {@code --generator} it
 * serves that generator.
 *
 * <p>Thread-safety: one instance per command-line invocation.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve an OpenAI-compatible API (GET /v1/models, POST /v1/chat/completions).")
public final class ServeCommand implements Callable<Integer> {
    /** Environment variable read for the bearer token when --token is not given (keeps it out of `ps`). */
    static final String TOKEN_ENV = "MEMORAG_SERVE_TOKEN";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--save", paramLabel = "DIR", description = "Save directory of a memorised corpus to answer over.")
    Path save;

    @Option(names = "--generator", paramLabel = "REF",
            description = "Generator to serve or to answer with, e.g. openai:gpt-4o-mini, deepseek:deepseek-chat, "
                    + "azure:DEPLOYMENT, http://127.0.0.1:8000/v1#MODEL, or a local chat model directory or .gguf "
                    + "file (with --save, default: the save's memory model; else OPENAI_API_KEY / OPENAI_BASE_URL).")
    String generator;

    @Option(names = "--generator-option", paramLabel = "KEY=VALUE",
            description = "Provider option for the generator (api_key, context_tokens, read_timeout_s, max_attempts, "
                    + "cache_dir); repeatable.")
    Map<String, String> generatorOptions = new LinkedHashMap<>();

    @Option(names = "--memory-model", paramLabel = "REF",
            description = "With --save: the memory model to load the save's memory into (default: the one the save "
                    + "records).")
    String memoryModel;

    @Option(names = "--embedder", paramLabel = "REF",
            description = "With --save: the embedder (default: the one the save records; must be the same model).")
    String embedder;

    @Option(names = "--hits", paramLabel = "N", defaultValue = "0",
            description = "With --save: chunks retrieved per query (default: " + MemoRAG.DEFAULT_HITS + ").")
    int hits;

    @Option(names = "--model-id", paramLabel = "ID", description = "Model id to report and accept in requests "
            + "(default: memorag:SAVE_NAME with --save, else the generator's id).")
    String modelId;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free).")
    int port;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Require this bearer token (default: $" + TOKEN_ENV + " if set, else none).")
    String token;

    @Option(names = "--max-request-bytes", defaultValue = "1048576",
            description = "Largest request body (default: ${DEFAULT-VALUE}).")
    long maxRequestBytes;

    @Option(names = "--threads", defaultValue = "8", description = "Worker threads (default: ${DEFAULT-VALUE}).")
    int threads;

    /**
     * A started server and the models it answers with; closing it stops the server and closes them.
     *
     * @param server the running server
     * @param model the model id it serves
     * @param description what answers, for the start-up line
     * @param rag the pipeline over {@code --save}, or null
     * @param generator the generator this command created, or null
     */
    record Serving(ChatServer server, String model, String description, MemoRAG rag, Generator generator)
            implements AutoCloseable {
        @Override
        public void close() {
            try {
                server.close();
            } finally {
                closeAll(rag, generator);
            }
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Serving serving = start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            serving.close();
            stopped.countDown();
        }, "memorag-serve-shutdown"));
        spec.commandLine().getOut().println("memorag serve: model '" + serving.model() + "' (" + serving.description()
                + ") at " + serving.server().baseUri() + (bearerToken() == null ? "" : " (bearer token required)")
                + "; Ctrl-C to stop");
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    private String bearerToken() {
        return token != null ? token : System.getenv(TOKEN_ENV);
    }

    /** Loads what answers and starts the server; fails, having closed what it opened, when nothing can answer. */
    Serving start() {
        if (save == null && generator == null) {
            throw new InvalidInputException("memorag serve: nothing to serve; give --save DIR (a memorised corpus) "
                    + "and/or --generator REF (for example openai:gpt-4o-mini or http://127.0.0.1:8000/v1#MODEL)");
        }
        if (save == null && (memoryModel != null || embedder != null || hits != 0)) {
            throw new InvalidInputException("memorag serve: --memory-model, --embedder and --hits configure the "
                    + "pipeline over a save directory; give --save DIR with them");
        }
        PipelineOptions.requireHits(hits);
        Generator g = generator == null ? null : Providers.generator(generator, new ProviderOptions(generatorOptions));
        MemoRAG rag = null;
        try {
            ChatBackend backend;
            String description;
            if (save != null) {
                rag = pipeline(g).load(save);
                Generator fromEnvironment = PipelineOptions.attachEnvironmentGenerator(rag);
                if (fromEnvironment != null) {
                    g = fromEnvironment;
                }
                if (!rag.hasGenerator()) {
                    throw new InvalidInputException("memorag serve: nothing can answer over " + save + ": it was "
                            + "memorised without a memory model, and no generator is given; "
                            + AskCommand.ADD_A_GENERATOR);
                }
                backend = new PipelineChatBackend(rag, modelId != null ? modelId : "memorag:" + save.getFileName(),
                        hits);
                Map<String, String> parts = rag.describe();
                description = (rag.memoryStats() != null ? "memory model " + parts.get("memory_model")
                        : "retrieval") + " over " + save + ", answers by " + parts.get("generator");
            } else {
                backend = GeneratorBackend.of(g, modelId != null ? modelId : g.id());
                description = "generator " + g.id();
            }
            ChatServer server = ChatServer.builder(backend).host(host).port(port).bearerToken(bearerToken())
                    .maxRequestBytes(maxRequestBytes).threads(threads).start();
            return new Serving(server, backend.modelId(), description, rag, g);
        } catch (RuntimeException e) {
            closeAll(rag, g);
            throw e;
        }
    }

    /** The pipeline configuration: the generator instance (kept by this command) and the model references. */
    private MemoRAGBuilder pipeline(Generator g) {
        MemoRAGBuilder b = MemoRAG.builder();
        if (g != null) {
            b.generator(g);
        }
        if (memoryModel != null) {
            b.memoryModel(memoryModel);
        }
        if (embedder != null) {
            b.embedder(embedder);
        }
        return b;
    }

    private static void closeAll(MemoRAG rag, Generator g) {
        try {
            if (rag != null) {
                rag.close();
            }
        } finally {
            if (g != null) {
                g.close();
            }
        }
    }
}

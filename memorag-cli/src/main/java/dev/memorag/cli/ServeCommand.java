package dev.memorag.cli;

import dev.memorag.error.InvalidInputException;
import dev.memorag.MemoRAG;
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
 * answers through the MemoRAG pipeline over that save directory (evidence in the extra {@code evidence} field; the
 * optional {@code --generator} writes the answers); with only {@code --generator} it serves that generator.
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
            description = "Generator to serve, e.g. openai:gpt-4o-mini, deepseek:deepseek-chat, azure:DEPLOYMENT, "
                    + "http://127.0.0.1:8000/v1#MODEL.")
    String generator;

    @Option(names = "--generator-option", paramLabel = "KEY=VALUE",
            description = "Provider option for the generator (api_key, context_tokens, read_timeout_s, max_attempts, "
                    + "cache_dir); repeatable.")
    Map<String, String> generatorOptions = new LinkedHashMap<>();

    @Option(names = "--model-id", paramLabel = "ID", description = "Model id to report (default: the generator's id).")
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

    @Override
    public Integer call() throws InterruptedException {
        if (save == null && generator == null) {
            throw new InvalidInputException("memorag serve: nothing to serve; give --save DIR (a memorised corpus) "
                    + "and/or --generator REF (for example openai:gpt-4o-mini or http://127.0.0.1:8000/v1#MODEL)");
        }
        String bearer = token != null ? token : System.getenv(TOKEN_ENV);
        Generator g = generator == null ? null : Providers.generator(generator, new ProviderOptions(generatorOptions));
        MemoRAG rag = null;
        ChatServer server;
        try {
            ChatBackend backend;
            if (save != null) {
                rag = (g == null ? MemoRAG.builder() : MemoRAG.builder().generator(g)).load(save);
                backend = new PipelineChatBackend(rag, modelId != null ? modelId : "memorag:" + save.getFileName());
            } else {
                backend = GeneratorBackend.of(g, modelId != null ? modelId : g.id());
            }
            server = ChatServer.builder(backend).host(host).port(port).bearerToken(bearer)
                    .maxRequestBytes(maxRequestBytes).threads(threads).start();
        } catch (RuntimeException e) {
            closeAll(rag, g);
            throw e;
        }
        MemoRAG pipeline = rag;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            closeAll(pipeline, g);
            stopped.countDown();
        }, "memorag-serve-shutdown"));
        String what = save != null ? "memory " + save : g.id();
        spec.commandLine().getOut().println("memorag serve: " + what + " at " + server.baseUri()
                + (bearer == null ? "" : " (bearer token required)") + "; Ctrl-C to stop");
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
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

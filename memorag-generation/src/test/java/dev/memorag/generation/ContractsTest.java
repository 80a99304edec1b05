package dev.memorag.generation;

import dev.memorag.api.Generator;
import dev.memorag.testing.GeneratorContract;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAI-compatible generator and the caching wrapper keep core's generator contract (loopback server). */
class ContractsTest {
    private static FaultServer server;

    @TempDir
    static Path cache;

    @BeforeAll
    static void start() throws IOException {
        server = new FaultServer((n, r, out) -> {
            if (r.body().contains("\"stream\":true")) {
                FaultServer.fullStream(out, "Down ", "the ", "hole.");
            } else {
                FaultServer.json(out, 200, FaultServer.completion("Down the hole."));
            }
        });
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
    }

    static OpenAiChatGenerator remote() {
        return OpenAiChatGenerator.compatible(server.baseUrl()).model("m").apiKey("sk-contract-test")
                .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(3)).build();
    }

    @Nested
    class OpenAiCompatible extends GeneratorContract {
        @Override
        protected Generator newGenerator() {
            return remote();
        }
    }

    @Nested
    class Caching extends GeneratorContract {
        @Override
        protected Generator newGenerator() {
            return CachingGenerator.of(remote(), cache);
        }
    }
}

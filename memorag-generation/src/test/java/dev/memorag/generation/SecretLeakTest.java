package dev.memorag.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.GenerationException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.spi.ProviderOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A known fake key never reaches a log line, an exception message or a toString, even when the server echoes it back
 * and request logging is on. slf4j-simple writes to whatever {@code System.err} is at the time, so redirecting it
 * captures every log line.
 */
@Timeout(30)
class SecretLeakTest {
    private static final String KEY = "sk-test-DO-NOT-LEAK-0123456789abcdef";
    private static final List<ChatMessage> MESSAGES = List.of(ChatMessage.user("hello"));

    @TempDir
    Path tmp;

    @Test
    void keyNeverLeaks() throws Exception {
        List<String> surfaced = new ArrayList<>();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        PrintStream originalOut = System.out;
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setErr(capture);
        System.setOut(capture);
        try (FaultServer server = new FaultServer((n, r, out) -> {
            // A careless server that echoes the key it was sent in every error message.
            String echo = "Incorrect API key provided: " + r.header("Authorization");
            switch (n) {
                case 1 -> FaultServer.json(out, 500, "{\"error\":{\"message\":\"" + echo + "\"}}");
                case 2 -> FaultServer.json(out, 200, FaultServer.completion("ok"));
                case 3 -> FaultServer.json(out, 401, "{\"error\":{\"message\":\"" + echo + "\"}}");
                default -> FaultServer.json(out, 400, "plain text error " + echo);
            }
        })) {
            OpenAiChatGenerator g = OpenAiChatGenerator.compatible(server.baseUrl()).model("m").apiKey(KEY)
                    .logRequests(true).readTimeout(Duration.ofSeconds(5))
                    .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(5))
                            .jitterSeed(1L).build()).build();
            assertEquals("ok", g.generate(MESSAGES, GenerationOptions.greedy(5)).text()); // attempts 1 (500) + 2
            for (int i = 0; i < 2; i++) { // attempts 3 (401) and 4 (400, raw body)
                GenerationException e = assertThrows(GenerationException.class,
                        () -> g.generate(MESSAGES, GenerationOptions.greedy(5)));
                surfaced.add(e.getMessage());
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                surfaced.add(trace.toString());
                assertTrue(e.getMessage().contains("Incorrect API key provided: Bearer " + Secret.MASK),
                        e.getMessage());
            }
            assertEquals(4, server.attempts());
            // The key really was sent, in the header only.
            assertEquals("Bearer " + KEY, server.requests().get(0).header("Authorization"));
            assertFalse(server.requests().get(0).body().contains(KEY));

            surfaced.add(g.toString());
            surfaced.add(CachingGenerator.of(g, tmp.resolve("cache")).toString());
            surfaced.add(g.id());
            OpenAiChatGenerator azure = OpenAiChatGenerator.azure("https://r.openai.azure.com", "d", KEY).build();
            surfaced.add(azure.toString());
            surfaced.add(azure.id());
            surfaced.add(Secret.of(KEY, "key").toString());
            surfaced.add(new OpenAiGeneratorProvider(Map.of("OPENAI_API_KEY", KEY))
                    .create("openai:gpt-4o-mini", ProviderOptions.EMPTY).toString());
        } finally {
            System.setErr(originalErr);
            System.setOut(originalOut);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        // The logs were really captured: the retry warning and the request log line (with the masked header).
        assertTrue(logs.contains("retrying in"), logs);
        assertTrue(logs.contains("Authorization=" + Secret.MASK), logs);
        assertFalse(logs.contains(KEY), logs);
        assertFalse(logs.contains("0123456789abcdef"), logs);
        for (String s : surfaced) {
            assertFalse(s.contains(KEY), s);
        }
    }
}

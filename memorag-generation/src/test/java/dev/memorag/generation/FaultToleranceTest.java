package dev.memorag.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CancelledException;
import dev.memorag.error.GenerationException;
import dev.memorag.api.CancellationToken;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.TokenUsage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against a loopback server that misbehaves on purpose; every test asserts the number of attempts. */
@Timeout(20)
class FaultToleranceTest {
    private static final List<ChatMessage> MESSAGES = List.of(ChatMessage.user("hi"));
    private static final GenerationOptions OPTIONS = GenerationOptions.greedy(16);

    private static OpenAiChatGenerator.Builder client(FaultServer server) {
        return OpenAiChatGenerator.compatible(server.baseUrl()).model("m").apiKey("sk-fault-test")
                .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(3))
                .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(20))
                        .maxBackoff(Duration.ofMillis(100)).maxRetryTime(Duration.ofSeconds(10)).jitterSeed(7L)
                        .build());
    }

    @Test
    void rateLimitWithRetryAfterIsHonouredThenSucceeds() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            if (n == 1) {
                FaultServer.json(out, 429, "{\"error\":{\"message\":\"Rate limit reached\"}}", "Retry-After: 1");
            } else {
                FaultServer.json(out, 200, FaultServer.completion("ok"));
            }
        })) {
            long t0 = System.nanoTime();
            GenerationResult r = client(server).build().generate(MESSAGES, OPTIONS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals("ok", r.text());
            assertEquals(new TokenUsage(7, 2), r.usage());
            assertEquals(2, server.attempts());
            // The backoff alone would wait at most 20 ms: a wait near one second is the server's Retry-After.
            assertTrue(ms >= 950, "waited only " + ms + " ms");
            assertTrue(ms < 5000, "waited " + ms + " ms");
        }
    }

    @Test
    void rateLimitWhoseRetryAfterPassesTheRetryTimeBoundFailsAtOnce() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) ->
                FaultServer.json(out, 429, "{\"error\":{\"message\":\"slow down\"}}", "Retry-After: 30"))) {
            OpenAiChatGenerator g = client(server).retryPolicy(RetryPolicy.builder().maxAttempts(5)
                    .initialBackoff(Duration.ofMillis(10)).maxRetryTime(Duration.ofSeconds(2)).jitterSeed(1L)
                    .build()).build();
            long t0 = System.nanoTime();
            GenerationException e = assertThrows(GenerationException.class, () -> g.generate(MESSAGES, OPTIONS));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 2000);
            assertEquals(1, server.attempts());
            assertEquals(429, e.statusCode());
            assertTrue(e.retryable());
            assertTrue(e.getMessage().contains("slow down") && e.getMessage().contains("retry time bound"),
                    e.getMessage());
        }
    }

    @Test
    void serverErrorThenSuccess() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            if (n == 1) {
                FaultServer.json(out, 500, "{\"error\":{\"message\":\"internal\"}}");
            } else {
                FaultServer.json(out, 200, FaultServer.completion("fine"));
            }
        })) {
            assertEquals("fine", client(server).build().generate(MESSAGES, OPTIONS).text());
            assertEquals(2, server.attempts());
        }
    }

    @Test
    void persistentServerErrorStopsAfterMaxAttempts() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) ->
                FaultServer.json(out, 503, "{\"error\":{\"message\":\"overloaded\"}}"))) {
            GenerationException e = assertThrows(GenerationException.class,
                    () -> client(server).build().generate(MESSAGES, OPTIONS));
            assertEquals(3, server.attempts());
            assertEquals(503, e.statusCode());
            assertTrue(e.retryable());
            assertTrue(e.getMessage().contains("overloaded") && e.getMessage().contains("3 attempts"),
                    e.getMessage());
        }
    }

    @Test
    void retryTimeBoundStopsRetriesEarly() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) ->
                FaultServer.json(out, 500, "{\"error\":{\"message\":\"down\"}}"))) {
            RetryPolicy policy = RetryPolicy.builder().maxAttempts(50).initialBackoff(Duration.ofMillis(200))
                    .maxBackoff(Duration.ofSeconds(5)).maxRetryTime(Duration.ofMillis(500)).jitterSeed(3L).build();
            // The jitter is seeded, so the waits are known: attempts continue while their sum stays within 500 ms.
            java.util.Random rnd = policy.newRandom();
            long waited = 0;
            int expected = 1;
            StringBuilder waits = new StringBuilder();
            while (true) {
                long d = policy.backoff(expected, rnd).toMillis();
                waits.append(d).append(' ');
                if (waited + d > 500) {
                    break;
                }
                waited += d;
                expected++;
            }
            OpenAiChatGenerator g = client(server).retryPolicy(policy).build();
            long t0 = System.nanoTime();
            GenerationException e = assertThrows(GenerationException.class, () -> g.generate(MESSAGES, OPTIONS));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 1500, "took " + ms + " ms");
            assertEquals(expected, server.attempts(), "seeded waits (ms): " + waits);
            assertTrue(expected < 50);
            assertTrue(e.getMessage().contains("retry time bound of 500 ms"), e.getMessage());
        }
    }

    @Test
    void connectionRefusedIsRetriedAsANetworkError() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        OpenAiChatGenerator g = OpenAiChatGenerator.compatible("http://127.0.0.1:" + port + "/v1").model("m")
                .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(10))
                        .jitterSeed(2L).build()).build();
        GenerationException e = assertThrows(GenerationException.class, () -> g.generate(MESSAGES, OPTIONS));
        assertEquals(-1, e.statusCode());
        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("network error: ConnectException") && e.getMessage().contains("after 2 attempts"),
                e.getMessage());
    }

    @Test
    void unauthorizedIsNotRetriedAndSurfacesTheServerMessage() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> FaultServer.json(out, 401,
                "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\","
                        + "\"code\":\"invalid_api_key\"}}"))) {
            GenerationException e = assertThrows(GenerationException.class,
                    () -> client(server).build().generate(MESSAGES, OPTIONS));
            assertEquals(1, server.attempts());
            assertEquals(401, e.statusCode());
            assertFalse(e.retryable());
            assertTrue(e.getMessage().contains("HTTP 401") && e.getMessage().contains("Incorrect API key provided.")
                    && e.getMessage().contains("not retried"), e.getMessage());
        }
    }

    @Test
    void badRequestBodyThatIsNotJsonIsSurfacedRaw() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> FaultServer.json(out, 400, "model not found: m"))) {
            GenerationException e = assertThrows(GenerationException.class,
                    () -> client(server).build().generate(MESSAGES, OPTIONS));
            assertEquals(1, server.attempts());
            assertEquals(400, e.statusCode());
            assertTrue(e.getMessage().contains("model not found: m"), e.getMessage());
        }
    }

    @Test
    void malformedJsonBodyFailsClearlyWithoutRetry() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) ->
                FaultServer.json(out, 200, "{\"choices\":[{\"message\":{\"content\":\"tru"))) {
            GenerationException e = assertThrows(GenerationException.class,
                    () -> client(server).build().generate(MESSAGES, OPTIONS));
            assertEquals(1, server.attempts());
            assertEquals(200, e.statusCode());
            assertFalse(e.retryable());
            assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
        }
    }

    @Test
    void responseSlowerThanTheReadTimeoutIsRetriedThenFails() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            Thread.sleep(3000);
            FaultServer.json(out, 200, FaultServer.completion("late"));
        })) {
            OpenAiChatGenerator g = client(server).readTimeout(Duration.ofMillis(300))
                    .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(10))
                            .jitterSeed(5L).build()).build();
            long t0 = System.nanoTime();
            GenerationException e = assertThrows(GenerationException.class, () -> g.generate(MESSAGES, OPTIONS));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(2, server.attempts());
            assertEquals(-1, e.statusCode());
            assertTrue(e.retryable());
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
            assertTrue(ms >= 600 && ms < 2500, "took " + ms + " ms");
        }
    }

    @Test
    void streamThatStallsAfterHeadersHitsTheReadTimeout() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            FaultServer.sseHead(out);
            Thread.sleep(3000);
        })) {
            OpenAiChatGenerator g = client(server).readTimeout(Duration.ofMillis(300))
                    .retryPolicy(RetryPolicy.none()).build();
            GenerationException e = assertThrows(GenerationException.class,
                    () -> g.generate(MESSAGES, OPTIONS, piece -> { }));
            assertEquals(1, server.attempts());
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
    }

    @Test
    void readTimeoutBoundsGapsNotTheWholeStream() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            FaultServer.sseHead(out);
            for (int i = 0; i < 15; i++) {
                FaultServer.sse(out, FaultServer.delta("p" + i));
                Thread.sleep(80);
            }
            FaultServer.sse(out, FaultServer.finish("stop"));
            FaultServer.sse(out, "[DONE]");
            FaultServer.sseEnd(out);
        })) {
            // The stream lasts about 1.2 s, twice the read timeout, but no gap comes near it.
            OpenAiChatGenerator g = client(server).readTimeout(Duration.ofMillis(600))
                    .retryPolicy(RetryPolicy.none()).build();
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 15; i++) {
                expected.append('p').append(i);
            }
            GenerationResult r = g.generate(MESSAGES, OPTIONS, p -> { });
            assertEquals(expected.toString(), r.text());
            assertEquals(1, server.attempts());
        }
    }

    @Test
    void streamDroppedBeforeAnyTextIsRetried() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            if (n == 1) {
                FaultServer.sseHead(out);
                FaultServer.sse(out, FaultServer.roleDelta());
                // close without the terminating chunk: a dropped connection
            } else {
                FaultServer.fullStream(out, "Hel", "lo");
            }
        })) {
            StringBuilder seen = new StringBuilder();
            GenerationResult r = client(server).build().generate(MESSAGES, OPTIONS, seen::append);
            assertEquals(2, server.attempts());
            assertEquals("Hello", r.text());
            assertEquals("Hello", seen.toString());
            assertEquals(new TokenUsage(5, 2), r.usage());
            assertEquals(FinishReason.STOP, r.finishReason());
        }
    }

    @Test
    void streamDroppedAfterTextIsNotRetriedAndSaysWhy() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            FaultServer.sseHead(out);
            FaultServer.sse(out, FaultServer.roleDelta());
            FaultServer.sse(out, FaultServer.delta("Hel"));
        })) {
            StringBuilder seen = new StringBuilder();
            GenerationException e = assertThrows(GenerationException.class,
                    () -> client(server).build().generate(MESSAGES, OPTIONS, seen::append));
            assertEquals(1, server.attempts());
            assertEquals("Hel", seen.toString());
            assertEquals(-1, e.statusCode());
            assertTrue(e.getMessage().contains("3 characters were delivered"), e.getMessage());
            assertTrue(e.getMessage().contains("not retried"), e.getMessage());
        }
    }

    @Test
    void streamWithoutUsageIsCountedLocally() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            FaultServer.sseHead(out);
            FaultServer.sse(out, FaultServer.delta("Hello"));
            FaultServer.sse(out, FaultServer.delta(" world"));
            FaultServer.sse(out, FaultServer.finish("length"));
            FaultServer.sse(out, "[DONE]");
            FaultServer.sseEnd(out);
        })) {
            GenerationResult r = client(server).build().generate(MESSAGES, OPTIONS, p -> { });
            assertEquals("Hello world", r.text());
            assertEquals(FinishReason.LENGTH, r.finishReason());
            // cl100k: "hi" is 1 token, "Hello world" 2 tokens.
            assertEquals(new TokenUsage(1, 2), r.usage());
            assertEquals(1, server.attempts());
        }
    }

    @Test
    void cancellationMidStreamStopsPromptly() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> {
            FaultServer.sseHead(out);
            FaultServer.sse(out, FaultServer.delta("first"));
            Thread.sleep(5000);
        })) {
            CancellationToken token = new CancellationToken();
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            try {
                OpenAiChatGenerator g = client(server).readTimeout(Duration.ofSeconds(10)).build();
                StringBuilder seen = new StringBuilder();
                long t0 = System.nanoTime();
                assertThrows(CancelledException.class, () -> g.generate(MESSAGES,
                        OPTIONS.toBuilder().cancellation(token).build(), piece -> {
                            seen.append(piece);
                            timer.schedule(token::cancel, 100, TimeUnit.MILLISECONDS);
                        }));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals("first", seen.toString());
                assertTrue(ms < 2000, "took " + ms + " ms");
                assertEquals(1, server.attempts());
            } finally {
                timer.shutdownNow();
            }
        }
    }

    @Test
    void cancellationDuringBackoffStopsPromptly() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) ->
                FaultServer.json(out, 429, "{\"error\":{\"message\":\"later\"}}", "Retry-After: 5"))) {
            CancellationToken token = new CancellationToken();
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            try {
                timer.schedule(token::cancel, 300, TimeUnit.MILLISECONDS);
                long t0 = System.nanoTime();
                assertThrows(CancelledException.class, () -> client(server).build().generate(MESSAGES,
                        OPTIONS.toBuilder().cancellation(token).build()));
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 2000);
                assertEquals(1, server.attempts());
            } finally {
                timer.shutdownNow();
            }
        }
    }

    @Test
    void requestCarriesOptionsAndAuth() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> FaultServer.json(out, 200,
                FaultServer.completion("ok")))) {
            GenerationOptions o = GenerationOptions.builder().maxNewTokens(33).temperature(0.5).topP(0.9)
                    .stop(List.of("END")).seed(11L).build();
            client(server).build().generate(List.of(ChatMessage.system("sys"), ChatMessage.user("q")), o);
            FaultServer.Request req = server.requests().get(0);
            assertTrue(req.head().startsWith("POST /v1/chat/completions "), req.head());
            assertEquals("Bearer sk-fault-test", req.header("Authorization"));
            com.fasterxml.jackson.databind.JsonNode body =
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(req.body());
            assertEquals("m", body.get("model").asText());
            assertEquals(33, body.get("max_tokens").asInt());
            assertEquals(0.5, body.get("temperature").asDouble());
            assertEquals(0.9, body.get("top_p").asDouble());
            assertEquals("END", body.get("stop").get(0).asText());
            assertEquals(11, body.get("seed").asLong());
            assertEquals("system", body.get("messages").get(0).get("role").asText());
            assertFalse(body.has("stream"));
        }
    }

    @Test
    void azureUsesDeploymentPathApiVersionAndApiKeyHeader() throws Exception {
        try (FaultServer server = new FaultServer((n, r, out) -> FaultServer.json(out, 200,
                FaultServer.completion("az")))) {
            String endpoint = server.baseUrl().replace("/v1", "");
            OpenAiChatGenerator g = OpenAiChatGenerator.azure(endpoint, "my-gpt", "azure-key-1")
                    .apiVersion("2024-06-01").build();
            assertEquals("az", g.generate(MESSAGES, OPTIONS).text());
            FaultServer.Request req = server.requests().get(0);
            assertTrue(req.head().startsWith("POST /openai/deployments/my-gpt/chat/completions?api-version=2024-06-01 "),
                    req.head());
            assertEquals("azure-key-1", req.header("api-key"));
            assertEquals(null, req.header("Authorization"));
        }
    }
}

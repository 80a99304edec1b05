package dev.memorag.generation.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.Chunk;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Hit;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import dev.memorag.generation.FakeGenerator;
import dev.memorag.generation.OpenAiChatGenerator;
import dev.memorag.generation.RetryPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Our client against our own server, backed by a deterministic fake generator, on loopback. */
@Timeout(30)
class ClientServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private FakeGenerator fake;
    private ChatServer server;

    @BeforeEach
    void start() {
        fake = new FakeGenerator();
        server = ChatServer.builder(GeneratorBackend.of(fake, "memorag-test")).port(0).threads(4).start();
    }

    @AfterEach
    void stop() {
        server.close();
        server.close();
    }

    private OpenAiChatGenerator client() {
        return OpenAiChatGenerator.compatible(server.baseUri().toString()).model("memorag-test")
                .readTimeout(Duration.ofSeconds(10)).retryPolicy(RetryPolicy.none()).build();
    }

    @Test
    void bindsToLoopbackByDefault() {
        assertEquals("127.0.0.1", server.baseUri().getHost());
        assertTrue(server.port() > 0);
    }

    @Test
    void nonStreaming() {
        List<ChatMessage> msgs = List.of(ChatMessage.system("be brief"), ChatMessage.user("what is memory"));
        GenerationResult r = client().generate(msgs, GenerationOptions.greedy(20));
        assertEquals("echo: what is memory", r.text());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(new TokenUsage(5, 4), r.usage());
    }

    @Test
    void streaming() {
        List<String> pieces = new ArrayList<>();
        GenerationResult r = client().generate(List.of(ChatMessage.user("stream these words")),
                GenerationOptions.greedy(20), pieces::add);
        assertEquals("echo: stream these words", r.text());
        assertEquals(List.of("echo: ", "stream ", "these ", "words"), pieces);
        assertEquals(new TokenUsage(3, 4), r.usage());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    @Test
    void modelIsDiscoveredWhenNotConfigured() {
        OpenAiChatGenerator g = OpenAiChatGenerator.compatible(server.baseUri().toString()).build();
        assertEquals("echo: x", g.generate(List.of(ChatMessage.user("x")), GenerationOptions.greedy(5)).text());
    }

    @Test
    void sixteenConcurrentRequestsAreAllAnswered() throws Exception {
        OpenAiChatGenerator g = client();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int n = i;
                answers.add(pool.submit(() -> {
                    go.await();
                    StringBuilder streamed = new StringBuilder();
                    TokenListener l = n % 2 == 0 ? streamed::append : TokenListener.NONE;
                    String text = g.generate(List.of(ChatMessage.user("question " + n)),
                            GenerationOptions.greedy(10), l).text();
                    if (n % 2 == 0) {
                        assertEquals(text, streamed.toString());
                    }
                    return text;
                }));
            }
            go.countDown();
            for (int i = 0; i < 16; i++) {
                assertEquals("echo: question " + i, answers.get(i).get(20, TimeUnit.SECONDS));
            }
            assertEquals(16, fake.calls());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void pooledConnectionsStayUsableAcrossManyRequests() throws Exception {
        // Without retries, any request that lands on a connection spoiled by an earlier exchange fails.
        OpenAiChatGenerator g = client();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        String q = "t" + thread + " r" + i;
                        TokenListener l = i % 2 == 0 ? piece -> { } : TokenListener.NONE;
                        assertEquals("echo: " + q, g.generate(List.of(ChatMessage.user(q)),
                                GenerationOptions.greedy(8), l).text());
                    }
                    return 20;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get(25, TimeUnit.SECONDS);
            }
            assertEquals(160, total);
            assertEquals(160, fake.calls());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void evidenceIsReturnedInBothModes() throws Exception {
        Chunk c = new Chunk("doc-1#0", "doc-1", "Paris is the capital.", 10, 31, 5);
        ChatBackend backend = new ChatBackend() {
            @Override
            public BackendAnswer answer(List<ChatMessage> messages, GenerationOptions options,
                    TokenListener listener) {
                listener.onText("Paris");
                return new BackendAnswer("Paris", FinishReason.STOP, new TokenUsage(12, 1),
                        List.of(new Hit(c, 0.75)));
            }

            @Override
            public String modelId() {
                return "memorag-evidence";
            }
        };
        try (ChatServer s = ChatServer.builder(backend).port(0).start()) {
            HttpClient http = HttpClient.newHttpClient();
            String body = "{\"model\":\"memorag-evidence\",\"messages\":[{\"role\":\"user\",\"content\":\"capital?\"}]}";
            HttpResponse<String> r = http.send(post(s.baseUri(), body), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            JsonNode root = JSON.readTree(r.body());
            assertEquals("chat.completion", root.get("object").asText());
            assertEquals("memorag-evidence", root.get("model").asText());
            assertEquals("Paris", root.at("/choices/0/message/content").asText());
            assertEquals(13, root.at("/usage/total_tokens").asInt());
            assertEvidence(root.get("evidence"));

            String streamBody = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"c?\"}]}],"
                    + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
            HttpResponse<String> sr = http.send(post(s.baseUri(), streamBody), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, sr.statusCode());
            assertTrue(sr.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            List<JsonNode> events = new ArrayList<>();
            boolean done = false;
            for (String line : sr.body().split("\n")) {
                if (line.equals("data: [DONE]")) {
                    done = true;
                } else if (line.startsWith("data: ")) {
                    events.add(JSON.readTree(line.substring(6)));
                }
            }
            assertTrue(done);
            assertEquals(4, events.size(), sr.body());
            events.forEach(e -> assertEquals("chat.completion.chunk", e.get("object").asText()));
            assertEquals("assistant", events.get(0).at("/choices/0/delta/role").asText());
            assertEquals("Paris", events.get(1).at("/choices/0/delta/content").asText());
            assertEquals("stop", events.get(2).at("/choices/0/finish_reason").asText());
            assertEvidence(events.get(2).get("evidence"));
            assertEquals(12, events.get(3).at("/usage/prompt_tokens").asInt());
            assertEquals(0, events.get(3).get("choices").size());
        }
    }

    @Test
    void clientCancellingMidStreamStopsTheBackendAndTheServerKeepsServing() throws Exception {
        CountDownLatch backendCancelled = new CountDownLatch(1);
        ChatBackend slow = new ChatBackend() {
            @Override
            public BackendAnswer answer(List<ChatMessage> messages, GenerationOptions options,
                    TokenListener listener) {
                try {
                    for (int i = 0; i < 400; i++) {
                        if (options.cancellation().isCancelled()) {
                            backendCancelled.countDown();
                            options.cancellation().throwIfCancelled("slow backend");
                        }
                        listener.onText("w" + i + " ");
                        Thread.sleep(25);
                    }
                } catch (dev.memorag.error.CancelledException e) {
                    backendCancelled.countDown();
                    throw e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new BackendAnswer("never", FinishReason.STOP, TokenUsage.ZERO, List.of());
            }

            @Override
            public String modelId() {
                return "slow";
            }
        };
        try (ChatServer s = ChatServer.builder(slow).port(0).start()) {
            OpenAiChatGenerator g = OpenAiChatGenerator.compatible(s.baseUri().toString()).model("slow")
                    .retryPolicy(RetryPolicy.none()).build();
            dev.memorag.api.CancellationToken token = new dev.memorag.api.CancellationToken();
            List<String> seen = new ArrayList<>();
            org.junit.jupiter.api.Assertions.assertThrows(dev.memorag.error.CancelledException.class,
                    () -> g.generate(List.of(ChatMessage.user("go")),
                            GenerationOptions.builder().maxNewTokens(5).cancellation(token).build(), piece -> {
                                seen.add(piece);
                                token.cancel();
                            }));
            assertEquals(List.of("w0 "), seen);
            assertTrue(backendCancelled.await(10, TimeUnit.SECONDS), "backend never saw the disconnect");
        }
        assertEquals("echo: still here", client().generate(List.of(ChatMessage.user("still here")),
                GenerationOptions.greedy(5)).text());
    }

    @Test
    void modelsListsTheBackendModel() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(server.baseUri() + "/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode root = JSON.readTree(r.body());
        assertEquals("list", root.get("object").asText());
        assertEquals("memorag-test", root.at("/data/0/id").asText());
    }

    private static void assertEvidence(JsonNode ev) {
        assertEquals(1, ev.size());
        assertEquals("doc-1#0", ev.get(0).get("chunk_id").asText());
        assertEquals("doc-1", ev.get(0).get("document_id").asText());
        assertEquals(10, ev.get(0).get("start").asInt());
        assertEquals(31, ev.get(0).get("end").asInt());
        assertEquals(0.75, ev.get(0).get("score").asDouble());
        assertEquals("Paris is the capital.", ev.get(0).get("text").asText());
    }

    static HttpRequest post(URI base, String body) {
        return HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}

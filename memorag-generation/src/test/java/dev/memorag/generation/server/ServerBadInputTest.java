package dev.memorag.generation.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.InvalidInputException;
import dev.memorag.generation.FakeGenerator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad requests get a 4xx with an OpenAI-style error object, and the server keeps answering. */
@Timeout(30)
class ServerBadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "serve-token-123";
    private static final String GOOD = "{\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    private ChatServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        server = ChatServer.builder(GeneratorBackend.of(new FakeGenerator(), "m")).port(0).bearerToken(TOKEN)
                .maxRequestBytes(2048).threads(2).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUri() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e.get("message").isTextual() && !e.get("message").asText().isEmpty());
        assertTrue(e.get("type").isTextual());
        assertTrue(e.has("code"));
        return e;
    }

    private void assertStillServing() throws Exception {
        HttpResponse<String> ok = send("POST", "/chat/completions", GOOD, TOKEN);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("echo: ping", JSON.readTree(ok.body()).at("/choices/0/message/content").asText());
    }

    @Test
    void invalidJson() throws Exception {
        JsonNode e = error(send("POST", "/chat/completions", "{\"messages\": [", TOKEN), 400);
        assertEquals("invalid_request_error", e.get("type").asText());
        assertEquals("invalid_json", e.get("code").asText());
        assertStillServing();
    }

    @Test
    void missingMessages() throws Exception {
        JsonNode e = error(send("POST", "/chat/completions", "{\"model\":\"m\"}", TOKEN), 400);
        assertEquals("messages", e.get("param").asText());
        assertEquals("missing_required_parameter", e.get("code").asText());
        assertTrue(e.get("message").asText().contains("'messages'"));
        assertStillServing();
    }

    @Test
    void anUnknownModelIsNotFoundAndTheServedOneNamed() throws Exception {
        JsonNode e = error(send("POST", "/chat/completions",
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", TOKEN), 404);
        assertEquals("model_not_found", e.get("code").asText());
        assertEquals("model", e.get("param").asText());
        assertEquals("The model 'gpt-4o' does not exist on this server; it serves 'm' (GET /v1/models).",
                e.get("message").asText());
        assertStillServing();
    }

    @Test
    void invalidParameterNamesFieldAndValue() throws Exception {
        JsonNode e = error(send("POST", "/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":7}", TOKEN), 400);
        assertEquals("temperature", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("was 7"), e.get("message").asText());
        JsonNode role = error(send("POST", "/chat/completions",
                "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", TOKEN), 400);
        assertEquals("messages[0].role", role.get("param").asText());
        assertTrue(role.get("message").asText().contains("'robot'"));
        assertStillServing();
    }

    @Test
    void oversizedBody() throws Exception {
        String big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}";
        JsonNode e = error(send("POST", "/chat/completions", big, TOKEN), 413);
        assertEquals("request_too_large", e.get("code").asText());
        assertTrue(e.get("message").asText().contains("2048"));
        assertStillServing();
    }

    @Test
    void wrongOrMissingBearerToken() throws Exception {
        JsonNode wrong = error(send("POST", "/chat/completions", GOOD, "not-the-token"), 401);
        assertEquals("invalid_api_key", wrong.get("code").asText());
        assertTrue(!wrong.toString().contains(TOKEN));
        error(send("POST", "/chat/completions", GOOD, null), 401);
        error(send("GET", "/models", null, "nope"), 401);
        assertStillServing();
    }

    @Test
    void unknownRouteAndWrongMethod() throws Exception {
        assertEquals("unknown_url", error(send("GET", "/embeddings", null, TOKEN), 404).get("code").asText());
        assertEquals("method_not_allowed",
                error(send("GET", "/chat/completions", null, TOKEN), 405).get("code").asText());
        assertStillServing();
    }

    @Test
    void backendFailuresAre500sAndTheServerKeepsServing() throws Exception {
        ChatBackend flaky = new ChatBackend() {
            @Override
            public BackendAnswer answer(java.util.List<dev.memorag.api.ChatMessage> messages,
                    dev.memorag.api.GenerationOptions options, dev.memorag.api.TokenListener listener) {
                String q = messages.get(0).content();
                if (q.equals("bug")) {
                    throw new IllegalStateException("a bug");
                }
                if (q.equals("bad")) {
                    throw new InvalidInputException("question too long for the memory");
                }
                throw new dev.memorag.error.GenerationException("upstream down", 503, true, null);
            }

            @Override
            public String modelId() {
                return "flaky";
            }
        };
        try (ChatServer s = ChatServer.builder(flaky).port(0).start()) {
            java.util.function.Function<String, HttpResponse<String>> ask = q -> {
                try {
                    return http.send(ClientServerTest.post(s.baseUri(),
                            "{\"messages\":[{\"role\":\"user\",\"content\":\"" + q + "\"}]}"),
                            HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            assertEquals("backend_error", error(ask.apply("down"), 500).get("code").asText());
            assertEquals("internal_error", error(ask.apply("bug"), 500).get("code").asText());
            JsonNode bad = error(ask.apply("bad"), 400);
            assertTrue(bad.get("message").asText().contains("question too long"));
        }
        assertStillServing();
    }

    @Test
    void builderRejectsBadSettings() {
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class,
                () -> ChatServer.builder(GeneratorBackend.of(new FakeGenerator(), "m")).port(70000).start());
        assertTrue(e.getMessage().contains("port") && e.getMessage().contains("70000"));
    }

    @Test
    void toStringHidesTheToken() {
        assertTrue(!server.toString().contains(TOKEN), server.toString());
    }
}

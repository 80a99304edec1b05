package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.MemoRAG;
import dev.memorag.api.Language;
import dev.memorag.fakes.FakeChunkIndex;
import dev.memorag.fakes.FakeEmbedder;
import dev.memorag.fakes.FakeGenerator;
import dev.memorag.fakes.FakeMemoryModel;
import dev.memorag.generation.server.ChatServer;
import dev.memorag.prompt.Prompts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@code memorag serve --save}'s backend: the pipeline behind the OpenAI-compatible server, over loopback. */
class PipelineChatBackendTest {
    private static final String TEXT = "The Hatter's riddle had no answer.\n\nThe Dormouse fell asleep in the teapot.";
    private static final String QUESTION = "Where did the Dormouse fall asleep?";

    @Test
    void answersThroughThePipelineWithEvidenceConcurrently() throws Exception {
        Prompts en = Prompts.forLanguage(Language.EN);
        FakeMemoryModel memory = new FakeMemoryModel().respond(en.recall(QUESTION),
                "The Dormouse fell asleep in the teapot");
        try (MemoRAG rag = MemoRAG.builder().memoryModel(memory).embedder(new FakeEmbedder("e"))
                .chunkIndex(new FakeChunkIndex.Provider()).chunkTokens(12).generator(new FakeGenerator(4096)).build()) {
            rag.memorize(TEXT, null);
            PipelineChatBackend backend = new PipelineChatBackend(rag, "memorag:test");
            try (ChatServer server = ChatServer.builder(backend).host("127.0.0.1").port(0).threads(4).start()) {
                HttpClient http = HttpClient.newHttpClient();
                String body = "{\"model\":\"memorag:test\",\"messages\":[{\"role\":\"user\",\"content\":\""
                        + QUESTION + "\"}],\"max_tokens\":32}";
                List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(server.baseUri() + "/chat/completions"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                ObjectMapper json = new ObjectMapper();
                for (CompletableFuture<HttpResponse<String>> c : calls) {
                    HttpResponse<String> r = c.get();
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode root = json.readTree(r.body());
                    assertTrue(root.path("choices").get(0).path("message").path("content").asText()
                            .startsWith("answer#"), r.body());
                    JsonNode evidence = root.path("evidence");
                    assertTrue(evidence.isArray() && evidence.size() >= 1, r.body());
                    assertTrue(evidence.toString().contains("teapot"), r.body());
                }
            }
        }
    }
}

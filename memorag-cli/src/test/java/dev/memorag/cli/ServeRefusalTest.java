package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.MemoRAG;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code memorag serve --save DIR} over a save memorised without a memory model: it refuses to start with nothing to
 * answer, and answers by retrieval with a local {@code --generator} (started in-process through
 * {@link ServeCommand#start()}); a request for another model gets an OpenAI-style 404 naming the served one.
 */
class ServeRefusalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEXT = "Alice was beginning to get very tired of sitting by her sister on the bank. "
            + "The White Rabbit took a watch out of its waistcoat pocket, and Alice ran across the field after it.";

    @TempDir
    static Path dir;

    static Path save;
    static Path chat;

    @BeforeAll
    static void plainSave() {
        assumeFalse(PipelineOptions.environmentHasGenerator(System.getenv()),
                "the OpenAI variables of this environment configure a generator");
        chat = dir.resolve("chat");
        RandomCheckpoint.write(chat, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
        save = dir.resolve("book.memory");
        try (MemoRAG rag = MemoRAG.builder().build()) {
            rag.memorize(TEXT, save);
        }
    }

    @Test
    void nothingThatCanAnswerRefusesToStart() {
        CliRun r = CliRun.of("serve", "--save", save.toString(), "--port", "0");
        assertEquals(1, r.code(), r.out());
        assertEquals("error: memorag serve: nothing can answer over " + save + ": it was memorised without a memory "
                + "model, and no generator is given; add a generator: --generator openai:MODEL (with OPENAI_API_KEY "
                + "set), --generator http://HOST:PORT/v1#MODEL (an OpenAI-compatible server) or --generator PATH (a "
                + "local chat model directory or .gguf file); or set OPENAI_API_KEY (or OPENAI_BASE_URL) and run it "
                + "again", r.err().strip());
    }

    @Test
    void pipelineOptionsNeedASaveAndHitsMustBeValid() {
        CliRun r = CliRun.of("serve", "--generator", chat.toString(), "--hits", "2", "--port", "0");
        assertEquals(1, r.code(), r.out());
        assertEquals("error: memorag serve: --memory-model, --embedder and --hits configure the pipeline over a save "
                + "directory; give --save DIR with them", r.err().strip());
        r = CliRun.of("serve", "--save", save.toString(), "--generator", chat.toString(), "--hits", "-1");
        assertEquals(1, r.code(), r.out());
        assertEquals("error: --hits must be >= 0 (0: the default of 3), was -1", r.err().strip());
    }

    @Test
    void aLocalGeneratorAnswersOverASaveWithoutAMemoryModel() throws Exception {
        picocli.CommandLine cl = MemoragCli.commandLine();
        ServeCommand serve = (ServeCommand) cl.parseArgs("serve", "--save", save.toString(), "--generator",
                chat.toString(), "--embedder", MemoRAG.DEFAULT_EMBEDDER_EN, "--hits", "1", "--port", "0")
                .subcommand().commandSpec().userObject();
        try (ServeCommand.Serving s = serve.start()) {
            assertEquals("memorag:book.memory", s.model());
            assertTrue(s.description().startsWith("retrieval over " + save + ", answers by "), s.description());
            HttpResponse<String> ok = chat(s, "memorag:book.memory");
            assertEquals(200, ok.statusCode(), ok.body());
            JsonNode answer = JSON.readTree(ok.body());
            assertEquals(1, answer.get("evidence").size(), ok.body());
            assertEquals(TEXT, answer.at("/evidence/0/text").asText());

            HttpResponse<String> wrong = chat(s, "gpt-4o-mini");
            assertEquals(404, wrong.statusCode(), wrong.body());
            JsonNode error = JSON.readTree(wrong.body()).get("error");
            assertEquals("model_not_found", error.get("code").asText());
            assertEquals("The model 'gpt-4o-mini' does not exist on this server; it serves 'memorag:book.memory' "
                    + "(GET /v1/models).", error.get("message").asText());
        }
    }

    private static HttpResponse<String> chat(ServeCommand.Serving s, String model)
            throws IOException, InterruptedException {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"What did the White Rabbit take out of its pocket?\"}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(s.server().baseUri() + "/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}

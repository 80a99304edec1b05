package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A save memorised without a memory model, queried without a generator (and without the OpenAI variables): {@code ask}
 * prints the evidence and {@code summarize} what the save holds, each with how to get an answer in command-line terms,
 * and succeeds; a tiny local chat model given with {@code --generator} then answers and summarises. No message names
 * the Java API or advises a task that cannot run either.
 */
class NoGeneratorCliTest {
    private static final String QUESTION = "What did the rabbit take out of its pocket?";
    private static final String TEXT = "Alice was beginning to get very tired of sitting by her sister on the bank. "
            + "Suddenly a White Rabbit with pink eyes ran close by her. The rabbit took a watch out of its waistcoat "
            + "pocket, and Alice ran across the field after it.";
    private static final String ADVICE = "add a generator: --generator openai:MODEL (with OPENAI_API_KEY set), "
            + "--generator http://HOST:PORT/v1#MODEL (an OpenAI-compatible server) or --generator PATH (a local chat "
            + "model directory or .gguf file); or set OPENAI_API_KEY (or OPENAI_BASE_URL) and run it again";
    private static final List<String> JAVA_NAMES = List.of("builder.", "MemoRAGBuilder", "TaskType", "QueryOptions",
            "MemorizeMode", "--task rag");

    @TempDir
    static Path dir;

    static Path save;
    static Path chat;
    static CliRun memorized;

    @BeforeAll
    static void memorizeWithoutAMemoryModel() throws IOException {
        assumeFalse(PipelineOptions.environmentHasGenerator(System.getenv()),
                "the OpenAI variables of this environment configure a generator");
        chat = dir.resolve("chat");
        RandomCheckpoint.write(chat, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
        Path book = Files.writeString(dir.resolve("book.txt"), TEXT, StandardCharsets.UTF_8);
        save = dir.resolve("book.memory");
        memorized = CliRun.withStdout("memorize", book.toString(), "--save", save.toString(), "--quiet");
    }

    private static void assertCliNamesOnly(CliRun r) {
        for (String javaName : JAVA_NAMES) {
            assertFalse(r.out().contains(javaName) || r.err().contains(javaName), javaName + " in " + r);
        }
    }

    @Test
    void memorizeSaysWhatTheSaveSupportsAndTheNextCommands() {
        assertEquals(0, memorized.code(), memorized.err());
        assertTrue(memorized.out().contains("no memory model: the save supports retrieval only (no clues, no key "
                + "points). Next: memorag recall " + save + " \"QUESTION\" (the evidence), memorag ask " + save
                + " \"QUESTION\" --generator REF (openai:MODEL, http://HOST:PORT/v1#MODEL or a local chat model "
                + "directory or .gguf file; without one, ask prints the evidence)\nmemorise with --memory-model REF "
                + "for MemoRAG's memory (a beacon checkpoint, or lite:CHAT_MODEL), which also answers\n"),
                memorized.out());
        assertCliNamesOnly(memorized);
    }

    @Test
    void askPrintsTheEvidenceAndHowToGetAnAnswer() {
        CliRun r = CliRun.withStdout("ask", save.toString(), QUESTION, "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("evidence for \"" + QUESTION + "\": 1 passage(s) (no memory model: the question "
                + "alone retrieved them)\n--- [1] book.txt#0, characters 0-" + TEXT.length()), r.out());
        assertTrue(r.out().contains(TEXT), r.out());
        assertEquals("no generator, so no answer; to get one, " + ADVICE + ", or memorise with --memory-model REF "
                + "(a memory model answers too)", r.err().strip());
        assertCliNamesOnly(r);
    }

    @Test
    void askJsonHasTheEvidenceANullAnswerAndTheAdvice() throws IOException {
        CliRun r = CliRun.withStdout("ask", save.toString(), QUESTION, "--quiet", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertTrue(n.get("answer").isNull(), r.out());
        assertEquals(TEXT, n.get("evidence").get(0).get("text").asText());
        assertTrue(n.get("no_generator").asText().startsWith("no generator, so no answer; to get one, " + ADVICE),
                r.out());
    }

    @Test
    void summarizePrintsWhatTheSaveHoldsAndHowToGetASummary() {
        CliRun r = CliRun.withStdout("summarize", save.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertEquals(save + " holds 1 document(s) in 1 chunks: book.txt", r.out().strip());
        assertEquals("no generator, so no summary; to get one, " + ADVICE, r.err().strip());
        assertCliNamesOnly(r);
    }

    @Test
    void aMemoryTaskOnASaveWithoutAMemoryModelSaysHowToGetOne() {
        for (String task : List.of("memorag", "qa")) {
            CliRun r = CliRun.withStdout("ask", save.toString(), QUESTION, "--quiet", "--task", task);
            assertEquals(1, r.code(), r.out());
            assertEquals("error: --task " + task + " needs a memory model, and " + save + " was memorised without "
                    + "one: memorise it again with --memory-model REF (memorag memorize FILE... --save " + save
                    + " --replace --memory-model REF), or leave out --task to answer by retrieval alone",
                    r.err().strip());
        }
    }

    @Test
    void aLocalGeneratorAnswersAndSummarisesTheSameSave() {
        CliRun r = CliRun.withStdout("ask", save.toString(), QUESTION, "--quiet", "--generator", chat.toString(),
                "--max-tokens", "4", "--no-stream");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("evidence: 1 passage(s)"), r.out());
        r = CliRun.withStdout("summarize", save.toString(), "--quiet", "--generator", chat.toString(), "--max-tokens",
                "4", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"task\" : \"SUMMARIZE\"") && r.out().contains("no memory model, so no key "
                + "points; summarising the text from its beginning"), r.out());
    }

    @Test
    void queryFlagsOutOfRangeAreNamedAsOptions() {
        CliRun r = CliRun.withStdout("ask", save.toString(), QUESTION, "--hits", "-1");
        assertEquals(1, r.code());
        assertEquals("error: --hits must be >= 0 (0: the default of 3), was -1", r.err().strip());
        r = CliRun.withStdout("summarize", save.toString(), "--max-tokens", "0");
        assertEquals(1, r.code());
        assertEquals("error: --max-tokens must be > 0, was 0", r.err().strip());
    }

    @Test
    void libraryMessagesKeepOnlyTheirCommandLineNames() {
        assertEquals("memorise with --replace to overwrite it",
                CliMessages.translate("memorise with MemorizeMode.REPLACE (CLI: --replace) to overwrite it"));
        assertEquals("(run `memorag models download a/b`, or allow downloading with --download)",
                CliMessages.translate("(run `memorag models download a/b`, or allow downloading with "
                        + "allowDownload(true) (CLI: --download))"));
        assertEquals("lower --max-tokens or use a generator with a longer context",
                CliMessages.translate("lower QueryOptions.answerTokens (CLI: --max-tokens) or use a generator with a "
                        + "longer context"));
        String plain = "re-memorise the text (CLI: memorag memorize --replace)";
        assertEquals(plain, CliMessages.translate(plain), "a hint after plain words is kept");
    }
}

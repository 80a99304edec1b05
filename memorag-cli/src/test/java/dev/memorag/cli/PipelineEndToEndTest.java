package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.MemoRAG;
import dev.memorag.MemoRAGBuilder;
import dev.memorag.api.Answer;
import dev.memorag.api.Document;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.TaskType;
import dev.memorag.memory.beacon.BeaconCheckpoint;
import dev.memorag.memory.lite.GistMemoryModel;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.Recollection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline with real components: the bundled offline embedder and default chunk index, a tiny random beacon
 * memory model and a tiny random local generator (byte-level tokenizer, ChatML template). The weights are random, so
 * the text is meaningless, but every stage runs for real.
 */
class PipelineEndToEndTest {
    private static final String QUESTION = "What did the White Rabbit take out of its waistcoat pocket?";

    @TempDir
    static Path models;

    @TempDir
    Path tmp;

    static Path plain;
    static Path beacon;
    static String text;

    @BeforeAll
    static void makeModels() {
        plain = models.resolve("plain");
        RandomCheckpoint.write(plain, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
        beacon = models.resolve("beacon");
        RandomCheckpoint.write(beacon, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
        BeaconCheckpoint.addBeacon(beacon, 4, 128, 13);
        String book = DemoCommand.readBook();
        int start = book.indexOf("CHAPTER I. Down the Rabbit-Hole");
        text = book.substring(start, start + 1_500);
    }

    private static MemoRAGBuilder builder() {
        return MemoRAG.builder().memoryModel(beacon.toString()).generator(plain.toString()).chunkTokens(64)
                // The tiny models' tokenizer has one token per UTF-8 byte.
                .generatorTokenCounter(s -> s.getBytes(StandardCharsets.UTF_8).length);
    }

    private static QueryOptions options() {
        return QueryOptions.builder().clueTokens(8).answerTokens(8).keyPointTokens(8).build();
    }

    @Test
    void memorizeSaveLoadQueryGivesIdenticalAnswersAndEvidence() throws IOException {
        Path save = tmp.resolve("alice.memory");
        Answer before;
        Recollection recallBefore;
        MemoryStats statsBefore;
        try (MemoRAG rag = builder().build()) {
            rag.memorize(text, save);
            statsBefore = rag.memoryStats();
            assertTrue(statsBefore.tokensRead() >= text.length(), statsBefore.toString());
            before = rag.query(QUESTION, TaskType.MEMORY_QA, options());
            assertFalse(before.evidence().isEmpty());
            assertEquals(List.of("recall", "rewrite", "retrieval", "fit", "generation"),
                    List.copyOf(before.timings().stages().keySet()));
            assertTrue(before.usage().completionTokens() > 0);
            for (var h : before.evidence()) {
                assertEquals(h.chunk().text(), text.substring(h.chunk().start(), h.chunk().end()),
                        "evidence offsets point into the memorised text");
            }
            // Queries never change the memory.
            Map<String, String> files = DirectoryContents.snapshot(save);
            recallBefore = rag.recall(QUESTION, options());
            assertEquals(before.clues(), recallBefore.clues(), "the same clues as before another query");
            rag.query("", TaskType.SUMMARIZE, options());
            assertEquals(statsBefore, rag.memoryStats());
            assertEquals(files, DirectoryContents.snapshot(save), "querying writes nothing");
        }
        try (MemoRAG rag = MemoRAG.load(save, builder())) {
            assertEquals(statsBefore, rag.memoryStats());
            Answer after = rag.query(QUESTION, TaskType.MEMORY_QA, options());
            assertEquals(before.text(), after.text());
            assertEquals(before.clues(), after.clues());
            assertEquals(before.evidence(), after.evidence());
        }
    }

    @Test
    void addThenQueryFindsTheNewDocumentsChunks() {
        Path save = tmp.resolve("grow.memory");
        String poem = "The Jabberwock, with eyes of flame, came whiffling through the tulgey wood, and burbled as it "
                + "came!";
        try (MemoRAG rag = builder().build()) {
            rag.memorize(List.of(new Document("alice", text)), save);
            long read = rag.memoryStats().tokensRead();
            rag.add(List.of(new Document("jabberwocky", poem)));
            assertTrue(rag.memoryStats().tokensRead() > read, "the memory read the new document");
            Answer a = rag.query("Through which wood did the Jabberwock come whiffling?", TaskType.MEMORY_QA,
                    options());
            assertTrue(a.evidence().stream().anyMatch(h -> h.chunk().documentId().equals("jabberwocky")),
                    a.evidence().toString());
        }
        try (MemoRAG rag = MemoRAG.load(save, builder())) {
            assertEquals(List.of("alice", "jabberwocky"), rag.documentIds());
            assertTrue(rag.chunks().stream().anyMatch(c -> c.id().equals("jabberwocky#0")));
        }
    }

    @Test
    void liteReferenceResolvesToAGistMemoryThatAnswers() {
        try (MemoRAG rag = MemoRAG.lite(plain.toString()).build()) {
            assertTrue(rag.describe().get("memory_model").startsWith("gist:"), rag.describe().toString());
            assertTrue(rag.hasGenerator(), "Lite's chat model answers by default");
        }
    }

    @Test
    void liteGistMemoryRoundTrips() {
        Path save = tmp.resolve("lite.memory");
        QueryOptions opts = QueryOptions.builder().clueTokens(8).answerTokens(8).hits(1).build();
        Answer before;
        // One small chat model keeps the gists, produces the clues and answers (Lite's generator = the memory).
        try (GistMemoryModel gist = GistMemoryModel.builder().generator(
                dev.memorag.spi.Providers.generator(plain.toString(), dev.memorag.spi.ProviderOptions.EMPTY))
                .chunkTokens(256).gistTokens(8).build();
                MemoRAG rag = MemoRAG.lite(gist).chunkTokens(32).build()) {
            rag.memorize(text, save);
            assertTrue(rag.describe().get("generator").startsWith("gist:"), rag.describe().toString());
            before = rag.query(QUESTION, TaskType.MEMORY_QA, opts);
            assertFalse(before.evidence().isEmpty());
        }
        try (GistMemoryModel gist = GistMemoryModel.builder().generator(
                dev.memorag.spi.Providers.generator(plain.toString(), dev.memorag.spi.ProviderOptions.EMPTY))
                .chunkTokens(256).gistTokens(8).build();
                MemoRAG rag = MemoRAG.load(save, MemoRAG.lite(gist))) {
            Answer after = rag.query(QUESTION, TaskType.MEMORY_QA, opts);
            assertEquals(before.text(), after.text());
            assertEquals(before.clues(), after.clues());
            assertEquals(before.evidence(), after.evidence());
        }
    }

    private static String runCli(String... args) {
        CliRun r = CliRun.withStdout(args);
        assertEquals(0, r.code(), String.join(" ", args) + " failed: " + r.err());
        return r.out();
    }

    @Test
    void cliMemorizeAskRecallSummarizeWithJson() throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Path file = Files.writeString(tmp.resolve("chapter1.txt"), text.substring(0, 800));
        Path save = tmp.resolve("cli.memory");
        String[] models = {"--memory-model", beacon.toString(), "--chunk-tokens", "32"};
        var memorized = json.readTree(runCli(concat(new String[] {"memorize", file.toString(), "--save",
                save.toString(), "--json"}, models)));
        assertEquals(1, memorized.get("documents").asInt());
        assertTrue(memorized.get("chunks").asInt() > 1);
        assertTrue(memorized.has("memory"));
        String[] query = {"--generator", plain.toString(), "--hits", "1", "--clue-tokens", "4", "--max-tokens", "4",
            "--json"};
        var asked = json.readTree(runCli(concat(new String[] {"ask", save.toString(), QUESTION}, query)));
        assertEquals("MEMORY_QA", asked.get("task").asText());
        assertFalse(asked.get("evidence").isEmpty());
        var evidence = asked.get("evidence").get(0);
        assertEquals(evidence.get("text").asText(), text.substring(evidence.get("start").asInt(),
                evidence.get("end").asInt()));
        var rag = json.readTree(runCli(concat(new String[] {"ask", save.toString(), QUESTION, "--task", "rag"},
                query)));
        assertEquals("RAG", rag.get("task").asText());
        var recalled = json.readTree(runCli(concat(new String[] {"recall", save.toString(), QUESTION}, query)));
        assertTrue(recalled.has("clues") && recalled.get("evidence").size() >= 1);
        var summary = json.readTree(runCli(concat(new String[] {"summarize", save.toString()}, query)));
        assertEquals("SUMMARIZE", summary.get("task").asText());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void chineseTextGetsTheChineseEmbedderAndLargeChunksOffline() throws IOException {
        String zh = Files.readString(dev.memorag.testing.TestData.path("text/multifieldqa_zh_excerpt.txt"));
        Path save = tmp.resolve("zh.memory");
        try (MemoRAG rag = MemoRAG.builder().build()) {
            rag.memorize(zh, save);
            assertEquals(dev.memorag.api.Language.ZH, rag.language());
            assertEquals("bge-small-zh-v1.5-q", rag.describe().get("embedder"));
            assertEquals("2048", rag.describe().get("chunk_tokens"));
        }
        try (MemoRAG rag = MemoRAG.load(save)) {
            Recollection r = rag.recall("全国美国文学研究会的调研报告是什么时候完成的？", QueryOptions.DEFAULTS);
            assertEquals(List.of(), r.clues(), "no memory model: the question alone retrieves");
            assertFalse(r.evidence().isEmpty());
            assertTrue(r.evidence().get(0).chunk().text().contains("调研报告"), r.evidence().get(0).chunk().text());
        }
    }
}

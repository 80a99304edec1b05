package dev.memorag;

import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.error.StateException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.CorruptDataException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.Answer;
import dev.memorag.api.Chunk;
import dev.memorag.api.Document;
import dev.memorag.api.Hit;
import dev.memorag.api.Language;
import dev.memorag.api.TaskType;
import dev.memorag.fakes.FakeChunkIndex;
import dev.memorag.fakes.FakeEmbedder;
import dev.memorag.fakes.FakeGenerator;
import dev.memorag.fakes.FakeMemoryModel;
import dev.memorag.internal.PipelineConfig;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import dev.memorag.pipeline.Recollection;
import dev.memorag.prompt.Prompts;
import dev.memorag.text.Cl100kTokenCounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoRAGTest {
    private static final Prompts EN = Prompts.forLanguage(Language.EN);
    private static final Prompts ZH = Prompts.forLanguage(Language.ZH);
    private static final String QUESTION = "Where did the rabbit go?";

    /** Eight paragraphs; with 16-token chunks each paragraph is its own chunk. */
    private static final String BOOK = """
            Alice was beginning to get very tired of sitting by her sister on the bank.

            Suddenly a White Rabbit with pink eyes ran close by her.

            The rabbit took a watch out of its waistcoat pocket and hurried on.

            Alice ran across the field after it and saw it pop down a large rabbit hole.

            The rabbit hole went straight on like a tunnel for some way.

            Alice found herself falling down a very deep well.

            She landed upon a heap of sticks and dry leaves.

            The Queen of Hearts shouted for the executioner.
            """;

    @TempDir
    Path tmp;

    private final FakeChunkIndex.Provider indexes = new FakeChunkIndex.Provider();
    private final FakeEmbedder embedder = new FakeEmbedder("fake-embedder");

    private FakeMemoryModel memory() {
        return new FakeMemoryModel()
                .respond(EN.recall(QUESTION), "1. Alice saw it pop down a large rabbit hole under the hedge\nhole\n")
                .respond(EN.rewrite(QUESTION), "- Where did the Queen of Hearts shout?\n- Where did the rabbit go?")
                .respond(EN.answer(QUESTION), "down the rabbit hole")
                .respond(EN.keyPoints(), "1. Alice follows the White Rabbit\n2. Alice falls down a deep well");
    }

    private MemoRAGBuilder builder(FakeMemoryModel memory, FakeGenerator generator) {
        MemoRAGBuilder b = MemoRAG.builder().embedder(embedder).chunkIndex(indexes).chunkTokens(16);
        if (memory != null) {
            b.memoryModel(memory);
        }
        if (generator != null) {
            b.generator(generator);
        }
        return b;
    }

    private static List<String> ids(List<Hit> hits) {
        return hits.stream().map(h -> h.chunk().id()).toList();
    }

    private static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), actual.get(k), k);
        }
    }

    @Test
    void memoryQaUsesCluesAndTheQueryAndOrdersEvidenceByPosition() {
        FakeGenerator gen = new FakeGenerator(Integer.MAX_VALUE);
        try (MemoRAG rag = builder(memory(), gen).build()) {
            rag.memorize(BOOK, null);
            assertEquals(8, rag.chunks().size());
            Answer a = rag.query(QUESTION);
            assertEquals(TaskType.MEMORY_QA, a.task());
            // "hole" alone is too short; the rewrite repeating the question is dropped (the query is appended anyway).
            assertEquals(List.of("Alice saw it pop down a large rabbit hole under the hedge",
                    "Where did the Queen of Hearts shout?"), a.clues());
            List<String> evidence = ids(a.evidence());
            assertEquals(evidence.stream().sorted((x, y) -> Integer.compare(
                    Integer.parseInt(x.substring(x.indexOf('#') + 1)),
                    Integer.parseInt(y.substring(y.indexOf('#') + 1)))).toList(), evidence, "document order");
            assertTrue(evidence.contains("doc-1#7"), "the Queen clue retrieved its chunk: " + evidence);
            assertTrue(evidence.contains("doc-1#3"), "the recall clue retrieved its chunk: " + evidence);
            String prompt = gen.prompts().get(0);
            assertTrue(prompt.startsWith("Read the text below and answer the question."), prompt);
            assertTrue(prompt.endsWith("Question: " + QUESTION), prompt);
            assertTrue(prompt.contains(a.evidence().get(0).chunk().text()));
            assertEquals("answer#" + prompt.length(), a.text());
            assertEquals(List.of("recall", "rewrite", "retrieval", "fit", "generation"),
                    List.copyOf(a.timings().stages().keySet()));
            assertTrue(a.usage().promptTokens() > prompt.length(), "usage sums memory and generator calls");
        }
    }

    @Test
    void draftAnswerIsAppendedAsOneMorePassage() {
        FakeGenerator gen = new FakeGenerator(Integer.MAX_VALUE);
        try (MemoRAG rag = builder(memory(), gen).build()) {
            rag.memorize(BOOK, null);
            Answer a = rag.query(QUESTION, TaskType.MEMORY_QA, QueryOptions.builder().draftAnswer(true).build());
            String prompt = gen.prompts().get(0);
            String lastPassage = a.evidence().get(a.evidence().size() - 1).chunk().text();
            assertTrue(prompt.contains(lastPassage + "\n\n" + EN.draftAnswer("down the rabbit hole") + "\n\nQuestion:"),
                    prompt);
            assertTrue(a.timings().stages().containsKey("draft"));
        }
    }

    @Test
    void memorizeSaveLoadQueryGivesIdenticalAnswersAndEvidence() {
        Path dir = tmp.resolve("book.memory");
        Answer before;
        Answer beforeSummary;
        try (MemoRAG rag = builder(memory(), new FakeGenerator(400)).build()) {
            rag.memorize(BOOK, dir);
            before = rag.query(QUESTION);
            beforeSummary = rag.summarize();
        }
        FakeMemoryModel fresh = memory();
        try (MemoRAG rag = MemoRAG.load(dir, builder(fresh, new FakeGenerator(400)))) {
            assertEquals(1, fresh.memorizeCalls + 1, "loading does not re-memorise");
            assertEquals(0, fresh.memorizeCalls);
            Answer after = rag.query(QUESTION);
            assertEquals(before.text(), after.text());
            assertEquals(before.clues(), after.clues());
            assertEquals(before.evidence(), after.evidence());
            Answer afterSummary = rag.summarize();
            assertEquals(beforeSummary.text(), afterSummary.text());
            assertEquals(beforeSummary.evidence(), afterSummary.evidence());
            assertEquals(List.of("doc-1"), rag.documentIds());
            assertEquals(Language.EN, rag.language());
            assertEquals(dir, rag.saveDirectory());
        }
    }

    @Test
    void queriesNeverChangeTheMemory() throws IOException {
        Path dir = tmp.resolve("m");
        FakeMemoryModel mem = memory();
        try (MemoRAG rag = builder(mem, new FakeGenerator(Integer.MAX_VALUE)).build()) {
            rag.memorize(BOOK, dir);
            String state = mem.memory();
            Map<String, byte[]> files = snapshot(dir);
            List<Chunk> chunks = rag.chunks();
            for (TaskType t : TaskType.values()) {
                rag.query(QUESTION, t, QueryOptions.builder().draftAnswer(true).build());
            }
            rag.recall(QUESTION, QueryOptions.DEFAULTS);
            assertEquals(state, mem.memory());
            assertEquals(1, mem.memorizeCalls);
            assertEquals(0, mem.appendCalls);
            assertEquals(chunks, rag.chunks());
            assertSameFiles(files, snapshot(dir));
        }
    }

    @Test
    void chineseClueListSurvivesAndDrivesRetrieval() {
        String text = "第一回。贾宝玉初见林黛玉。\n\n第二回。林黛玉进贾府，王熙凤的笑声先到。\n\n第三回。刘姥姥进大观园。";
        String q = "王熙凤是怎样出场的？";
        FakeMemoryModel mem = new FakeMemoryModel()
                .respond(ZH.recall(q), "1、王熙凤 的笑声先到\n2、好")
                .respond(ZH.rewrite(q), "- 王熙凤在第几回出场？");
        FakeGenerator gen = new FakeGenerator(Integer.MAX_VALUE);
        try (MemoRAG rag = builder(mem, gen).chunkTokens(24).build()) {
            rag.memorize(text, null);
            assertEquals(Language.ZH, rag.language());
            Answer a = rag.query(q);
            assertEquals(List.of("王熙凤 的笑声先到", "王熙凤在第几回出场？"), a.clues());
            assertTrue(ids(a.evidence()).contains("doc-1#1"), ids(a.evidence()).toString());
            assertTrue(gen.prompts().get(0).startsWith(ZH.ragAnswer("", q).substring(0, 4)));
        }
    }

    @Test
    void evidenceIsFittedToTheGeneratorWindowWithAWarning() {
        Cl100kTokenCounter tokens = Cl100kTokenCounter.INSTANCE;
        int overhead = tokens.count(EN.ragAnswer("", QUESTION)) + PipelineConfig.TEMPLATE_RESERVE_TOKENS;
        int answer = 32;
        int window = overhead + answer + 20; // room for one or two 16-token passages, not all of them
        FakeGenerator gen = new FakeGenerator(window);
        try (MemoRAG rag = builder(memory(), gen).build()) {
            rag.memorize(BOOK, null);
            QueryOptions opts = QueryOptions.builder().answerTokens(answer).build();
            QueryResult r = rag.ask(QUESTION, TaskType.MEMORY_QA, opts, t -> { });
            assertTrue(r.evidenceTruncated());
            assertTrue(r.dropped() > 0);
            assertEquals(r.retrieved(), r.answer().evidence().size() + r.dropped());
            assertEquals(1, r.warnings().size());
            assertTrue(r.warnings().get(0).startsWith("evidence cut to fit generator fake-generator ("
                    + window + " tokens)"), r.warnings().get(0));
            String prompt = gen.prompts().get(0);
            assertTrue(tokens.count(prompt) + PipelineConfig.TEMPLATE_RESERVE_TOKENS + answer <= window,
                    "prompt of " + tokens.count(prompt) + " tokens must fit");
            // A window too small for even the prompt is a clear error.
            FakeGenerator tiny = new FakeGenerator(10);
            try (MemoRAG small = builder(memory(), tiny).build()) {
                small.memorize(BOOK, null);
                InvalidInputException e = assertThrows(InvalidInputException.class, () -> small.query(QUESTION));
                assertTrue(e.getMessage().startsWith("generator fake-generator accepts 10 tokens"), e.getMessage());
            }
        }
    }

    @Test
    void streamingDeliversTheFinalGeneration() {
        try (MemoRAG rag = builder(memory(), new FakeGenerator(Integer.MAX_VALUE)).build()) {
            rag.memorize(BOOK, null);
            StringBuilder streamed = new StringBuilder();
            Answer a = rag.query(QUESTION, TaskType.RAG, QueryOptions.DEFAULTS, streamed::append);
            assertEquals(a.text(), streamed.toString());
            assertEquals(List.of(), a.clues());
        }
    }

    @Test
    void memoryOnlyQaAndDefaultGeneratorIsTheMemoryModel() {
        FakeGenerator asGen = new FakeGenerator(Integer.MAX_VALUE);
        FakeMemoryModel mem = memory().generator(asGen);
        try (MemoRAG rag = builder(mem, null).build()) {
            rag.memorize(BOOK, null);
            Answer only = rag.query(QUESTION, TaskType.MEMORY_ONLY_QA, QueryOptions.DEFAULTS);
            assertEquals("down the rabbit hole", only.text());
            assertEquals(List.of(), only.evidence());
            rag.query(QUESTION);
            assertEquals(1, asGen.prompts().size(), "the memory model's generator answered");
        }
    }

    @Test
    void summarizeRetrievesWithKeyPoints() {
        FakeGenerator gen = new FakeGenerator(Integer.MAX_VALUE);
        try (MemoRAG rag = builder(memory(), gen).build()) {
            rag.memorize(BOOK, null);
            Answer a = rag.summarize();
            assertEquals(TaskType.SUMMARIZE, a.task());
            assertEquals(List.of("Alice follows the White Rabbit", "Alice falls down a deep well"), a.clues());
            assertTrue(ids(a.evidence()).contains("doc-1#5"), ids(a.evidence()).toString());
            assertTrue(gen.prompts().get(0).startsWith("Read the text below and write a faithful"));
        }
    }

    @Test
    void ragWorksWithoutAMemoryModelAndMemoryTasksSaySoClearly() {
        Path dir = tmp.resolve("rag");
        try (MemoRAG rag = builder(null, new FakeGenerator(Integer.MAX_VALUE)).build()) {
            rag.memorize(BOOK, dir);
            Answer a = rag.query(QUESTION, TaskType.RAG, QueryOptions.DEFAULTS);
            assertFalse(a.evidence().isEmpty());
            StateException e = assertThrows(StateException.class, () -> rag.query(QUESTION));
            assertEquals("MEMORY_QA needs a memory model, and the memory in " + dir + " was built without one: "
                    + "memorise it again with a memory model (CLI: memorag memorize --memory-model REF --replace); "
                    + "TaskType.RAG (CLI: --task rag) works without one", e.getMessage());
            Recollection r = rag.recall(QUESTION, QueryOptions.DEFAULTS);
            assertEquals(List.of(), r.clues());
            assertFalse(r.evidence().isEmpty());
            QueryResult summary = rag.ask("", TaskType.SUMMARIZE, QueryOptions.DEFAULTS,
                    dev.memorag.api.TokenListener.NONE);
            assertEquals(List.of(), summary.answer().clues());
            assertEquals("doc-1#0", summary.answer().evidence().get(0).chunk().id(), "from the text's beginning");
            assertEquals(List.of("no memory model, so no key points; summarising the text from its beginning"),
                    summary.warnings());
        }
        try (MemoRAG rag = MemoRAG.load(dir, builder(null, null))) {
            StateException e = assertThrows(StateException.class,
                    () -> rag.query(QUESTION, TaskType.RAG, QueryOptions.DEFAULTS));
            assertTrue(e.getMessage().startsWith("RAG needs a generator"), e.getMessage());
            assertFalse(rag.hasGenerator());
            e = assertThrows(StateException.class, () -> rag.query(QUESTION));
            assertTrue(e.getMessage().endsWith("; recall() (CLI: memorag recall) retrieves evidence without one"),
                    "no advice to try RAG, which needs a generator too: " + e.getMessage());
        }
    }

    @Test
    void memorisingADifferentTextNeedsReplace() throws IOException {
        Path dir = tmp.resolve("r");
        FakeMemoryModel mem = memory();
        try (MemoRAG rag = builder(mem, new FakeGenerator(Integer.MAX_VALUE)).build()) {
            rag.memorize(BOOK, dir);
            Map<String, byte[]> saved = snapshot(dir);
            rag.memorize(BOOK, dir); // the same text again: nothing to do
            assertEquals(1, mem.memorizeCalls);
            StateException e = assertThrows(StateException.class, () -> rag.memorize("Another text entirely.", dir));
            assertTrue(e.getMessage().startsWith("this pipeline already holds a memory of 1 document(s) saved in "),
                    e.getMessage());
            assertSameFiles(saved, snapshot(dir));
            assertEquals(8, rag.chunks().size(), "the held memory is intact");
            rag.memorize("Another text entirely, about a cat.", dir, MemorizeMode.REPLACE);
            assertEquals(1, rag.chunks().size());
            assertNotEquals(saved.keySet().size(), 0);
        }
        // A fresh pipeline must not overwrite an existing save silently either.
        try (MemoRAG rag = builder(memory(), null).build()) {
            Map<String, byte[]> saved = snapshot(dir);
            StateException e = assertThrows(StateException.class, () -> rag.memorize(BOOK, dir));
            assertTrue(e.getMessage().startsWith("save directory " + dir + " already holds a saved memory"),
                    e.getMessage());
            assertSameFiles(saved, snapshot(dir));
            assertFalse(rag.hasMemory());
        }
    }

    @Test
    void addGrowsTheMemoryWithoutRereadingAndQueriesFindTheNewDocument() {
        Path dir = tmp.resolve("add");
        FakeMemoryModel mem = memory();
        String q = "Who was the Mock Turtle?";
        mem.respond(EN.recall(q), "The Mock Turtle sighed deeply and told his story");
        try (MemoRAG rag = builder(mem, new FakeGenerator(Integer.MAX_VALUE)).build()) {
            rag.memorize(List.of(new Document("ch1", BOOK)), dir);
            rag.add(List.of(new Document("ch2", "The Mock Turtle sighed deeply.\n\nThe Gryphon sat up.")));
            assertEquals(1, mem.memorizeCalls);
            assertEquals(1, mem.appendCalls);
            assertEquals(List.of("ch1", "ch2"), rag.documentIds());
            Answer a = rag.query(q);
            assertTrue(ids(a.evidence()).contains("ch2#0"), ids(a.evidence()).toString());
            InvalidInputException dup = assertThrows(InvalidInputException.class,
                    () -> rag.add(List.of(new Document("ch2", "again"))));
            assertEquals("duplicate document id 'ch2' (already in the memory; remove it first)", dup.getMessage());
        }
        try (MemoRAG rag = MemoRAG.load(dir, builder(memory(), new FakeGenerator(Integer.MAX_VALUE)))) {
            assertEquals(List.of("ch1", "ch2"), rag.documentIds());
            assertTrue(rag.chunks().stream().anyMatch(c -> c.id().equals("ch2#0")), "the add was saved");
        }
    }

    @Test
    void addFallsBackToRereadingWhenTheModelCannotAppend() {
        FakeMemoryModel mem = memory().canAppend(false);
        try (MemoRAG rag = builder(mem, null).build()) {
            rag.memorize(List.of(new Document("a", "First document about cats and dogs.")), null);
            rag.add(List.of(new Document("b", "Second document about birds.")));
            assertEquals(2, mem.memorizeCalls);
            assertTrue(mem.memory().contains("First document") && mem.memory().contains("Second document"));
        }
    }

    @Test
    void removeDropsChunksAndRememorisesTheRest() {
        Path dir = tmp.resolve("rm");
        FakeMemoryModel mem = memory();
        try (MemoRAG rag = builder(mem, null).build()) {
            rag.memorize(List.of(new Document("a", "Cats purr loudly at night."),
                    new Document("b", "Dogs bark at the postman.")), dir);
            assertFalse(rag.remove("zzz"));
            assertTrue(rag.remove("a"));
            assertEquals(List.of("b"), rag.documentIds());
            assertTrue(rag.chunks().stream().allMatch(c -> c.documentId().equals("b")));
            assertFalse(mem.memory().contains("Cats"), "the memory forgot the removed document");
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> rag.remove("b"));
            assertTrue(e.getMessage().startsWith("cannot remove document 'b': it is the only one"));
        }
        try (MemoRAG rag = MemoRAG.load(dir, builder(memory(), null))) {
            assertEquals(List.of("b"), rag.documentIds());
        }
    }

    @Test
    void concurrentQueriesOverOneMemoryAgree() throws Exception {
        try (MemoRAG rag = builder(memory(), new FakeGenerator(Integer.MAX_VALUE)).build()) {
            rag.memorize(BOOK, null);
            Answer expected = rag.query(QUESTION);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Answer>> futures = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    futures.add(pool.submit(() -> rag.query(QUESTION)));
                }
                for (Future<Answer> f : futures) {
                    Answer a = f.get();
                    assertEquals(expected.text(), a.text());
                    assertEquals(expected.evidence(), a.evidence());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closeIsIdempotentAndLeavesCallerInstancesOpen() {
        FakeMemoryModel mem = memory();
        MemoRAG rag = builder(mem, null).build();
        rag.memorize(BOOK, null);
        FakeChunkIndex index = indexes.created.get(0);
        rag.close();
        rag.close();
        assertTrue(index.closed, "the pipeline's own index is closed");
        assertEquals(0, mem.closeCalls, "a memory model given as an instance stays open");
        StateException e = assertThrows(StateException.class, () -> rag.query(QUESTION));
        assertEquals("this MemoRAG pipeline is closed", e.getMessage());
    }

    @Test
    void badInputIsAClearError() throws IOException {
        try (MemoRAG rag = builder(memory(), new FakeGenerator(Integer.MAX_VALUE)).build()) {
            StateException none = assertThrows(StateException.class, () -> rag.query(QUESTION));
            assertEquals("nothing is memorised: call memorize(...) or MemoRAG.load(saveDir) first", none.getMessage());
            assertEquals("text is empty: there is nothing to memorise",
                    assertThrows(InvalidInputException.class, () -> rag.memorize("", null)).getMessage());
            assertEquals("text contains only whitespace: there is nothing to memorise",
                    assertThrows(InvalidInputException.class, () -> rag.memorize(" \n\t ", null)).getMessage());
            assertEquals("document 'bin' looks binary: NUL character at character offset 3",
                    assertThrows(InvalidInputException.class,
                            () -> rag.memorize(List.of(new Document("bin", "abc\0def")), null)).getMessage());
            rag.memorize(BOOK, null);
            assertEquals("query must not be blank",
                    assertThrows(InvalidInputException.class, () -> rag.query(" ")).getMessage());
        }
        assertThrows(InvalidInputException.class, () -> MemoRAG.builder().chunkTokens(0));
        assertThrows(InvalidInputException.class, () -> MemoRAG.builder().dtype(" "));
        assertThrows(InvalidInputException.class, () -> MemoRAG.builder().device(""));
        InvalidInputException p = assertThrows(InvalidInputException.class,
                () -> MemoRAG.builder().prompt(Prompts.Template.RAG_ANSWER, "no placeholders"));
        assertEquals("prompt template 'rag_answer' lacks placeholder {context}", p.getMessage());
    }

    @Test
    void loadingWhatIsNotASaveIsAClearError() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        MemoRagException e = assertThrows(MemoRagException.class, () -> MemoRAG.load(empty, builder(memory(), null)));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
    }

    @Test
    void badInputNeverLosesWhatIsSaved() throws IOException {
        Path dir = tmp.resolve("keep");
        try (MemoRAG rag = builder(memory(), new FakeGenerator(Integer.MAX_VALUE)).build()) {
            rag.memorize(BOOK, dir);
            Map<String, byte[]> saved = snapshot(dir);
            Answer before = rag.query(QUESTION);
            assertThrows(InvalidInputException.class, () -> rag.memorize("", dir, MemorizeMode.REPLACE));
            assertThrows(InvalidInputException.class,
                    () -> rag.memorize("x".repeat(10 * 1024 * 1024), dir, MemorizeMode.REPLACE));
            assertThrows(InvalidInputException.class, () -> rag.add(List.of(new Document("bin", "a\0b"))));
            assertSameFiles(saved, snapshot(dir));
            Answer after = rag.query(QUESTION);
            assertEquals(before.text(), after.text());
            assertEquals(before.evidence(), after.evidence());
        }
    }

    @Test
    void aSaveFromAnotherFormatVersionIsAClearError() throws IOException {
        Path dir = tmp.resolve("v");
        try (MemoRAG rag = builder(memory(), null).build()) {
            rag.memorize(BOOK, dir);
        }
        Path manifest = dir.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"format_version\" : 2",
                "\"format_version\" : 99"));
        Map<String, byte[]> saved = snapshot(dir);
        UnsupportedFormatException e = assertThrows(UnsupportedFormatException.class,
                () -> MemoRAG.load(dir, builder(memory(), null)));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
        assertSameFiles(saved, snapshot(dir));
    }

    @Test
    void aPipelineDescriptorFromAnotherVersionIsAClearError() {
        Path dir = tmp.resolve("v1");
        dev.memorag.store.SaveDirectory.write(dir, Map.of(), payload -> Files.writeString(
                payload.resolve("pipeline.json"), "{\"format\": \"memorag-pipeline\", \"version\": 1}"));
        UnsupportedFormatException e = assertThrows(UnsupportedFormatException.class,
                () -> MemoRAG.load(dir, builder(memory(), null)));
        assertEquals(dir.toAbsolutePath().normalize().resolve("pipeline.json")
                + ": field 'version' is 1, this library reads version 2: the save was written by an older version; "
                + "re-memorise the text (CLI: memorag memorize --replace) to write it in the current format",
                e.getMessage());
    }

    @Test
    void aDamagedSaveIsAClearErrorNamingTheFile() throws IOException {
        Path dir = tmp.resolve("dmg");
        try (MemoRAG rag = builder(memory(), null).build()) {
            rag.memorize(BOOK, dir);
        }
        Path docs = dir.resolve("documents.json");
        Files.writeString(docs, Files.readString(docs).replace("Alice", "Alica"));
        CorruptDataException e = assertThrows(CorruptDataException.class,
                () -> MemoRAG.load(dir, builder(memory(), null)));
        assertTrue(e.getMessage().contains("documents.json: sha256 is "), e.getMessage());
    }

    /** Counts one token per character and answers with the prompt length. */
    private static final class CharGenerator implements dev.memorag.api.Generator, dev.memorag.api.TokenCounter {
        final List<String> prompts = new ArrayList<>();

        @Override
        public int count(String text) {
            return text.length();
        }

        @Override
        public dev.memorag.api.GenerationResult generate(List<dev.memorag.api.ChatMessage> messages,
                dev.memorag.api.GenerationOptions options, dev.memorag.api.TokenListener listener) {
            prompts.add(messages.get(0).content());
            return new dev.memorag.api.GenerationResult("ok", dev.memorag.api.FinishReason.STOP,
                    dev.memorag.api.TokenUsage.ZERO);
        }

        @Override
        public int contextTokens() {
            return 400;
        }
    }

    @Test
    void aGeneratorThatCountsItsOwnTokensIsFittedByThem() {
        CharGenerator gen = new CharGenerator();
        try (MemoRAG rag = builder(memory(), null).generator(gen).build()) {
            rag.memorize(BOOK, null);
            QueryResult r = rag.ask(QUESTION, TaskType.MEMORY_QA, QueryOptions.builder().answerTokens(64).build(),
                    t -> { });
            assertTrue(r.evidenceTruncated());
            int promptChars = gen.prompts.get(0).length();
            assertTrue(promptChars + PipelineConfig.TEMPLATE_RESERVE_TOKENS + 64 <= 400, "prompt chars " + promptChars);
            assertFalse(r.answer().evidence().isEmpty());
        }
    }
}

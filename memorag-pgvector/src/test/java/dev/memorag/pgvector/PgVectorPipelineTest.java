package dev.memorag.pgvector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.MemoRAG;
import dev.memorag.MemoRAGBuilder;
import dev.memorag.api.Document;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.fakes.FakeMemoryModel;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.testing.ChunkIndexContract;
import dev.memorag.testing.WordHashEmbedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the {@link MemoRAG} facade against the real test server: memorise, save, load, query, add,
 * remove; many memories in one store; a memorise that fails half-way changes neither the store nor the save directory.
 */
class PgVectorPipelineTest {
    static final Embedder EMBEDDER = new WordHashEmbedder("word-hash-64", 64);
    static final Document TURTLE = new Document("turtle", "Urashima Taro rescued a turtle and visited the palace of "
            + "the sea king. He stayed there for three years and came home with a box he must never open.");
    static final Document CHERRY = new Document("cherry", "The old man scattered ashes and the dead cherry tree "
            + "bloomed in winter. The lord rewarded him with gold.");
    static final Document FOX = new Document("fox", "A fox turned into a teakettle to repay the poor man.");

    @TempDir
    Path tmp;

    private static MemoRAGBuilder builder(PgVectorConfig config, SwitchableMemory memory) {
        return MemoRAG.builder().embedder(EMBEDDER).memoryModel(memory).chunkTokens(16)
                .chunkIndex(new PgVectorChunkIndexProvider(config, null));
    }

    /** The documents of the evidence the pipeline retrieves for {@code query} (in document order). */
    private static List<String> documents(MemoRAG rag, String query) {
        return rag.recall(query, QueryOptions.DEFAULTS).evidence().stream().map(Hit::chunk)
                .map(c -> c.documentId()).distinct().toList();
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
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), k));
    }

    @Test
    void memorizeSaveLoadQueryAddRemove() throws IOException {
        PgVectorConfig config = PgTestServer.config("e2e").build();
        Path save = tmp.resolve("save");
        try (MemoRAG rag = builder(config, new SwitchableMemory()).build()) {
            rag.memorize(List.of(TURTLE, CHERRY), save);
            assertTrue(documents(rag, "turtle sea king palace").contains("turtle"));
        }
        String descriptor = Files.readString(save.resolve("index").resolve(PgVectorChunkIndex.DESCRIPTOR));
        assertTrue(descriptor.contains(config.namespace()) && descriptor.contains(config.url()), descriptor);
        String password = System.getenv(PgPasswords.ENV);
        if (password != null && !password.isEmpty()) {
            try (Stream<Path> files = Files.walk(save)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    assertFalse(Files.readString(p).contains(password), "password leaked into " + p);
                }
            }
        }
        assertTrue(Files.isRegularFile(save.resolve("memory").resolve("memory.txt")), "KV state in the save dir");

        // Reloaded through the ServiceLoader provider: the store comes from the save directory.
        try (MemoRAG rag = MemoRAG.builder().embedder(EMBEDDER).memoryModel(new FakeMemoryModel()).load(save)) {
            assertTrue(documents(rag, "turtle sea king palace").contains("turtle"));
            assertTrue(documents(rag, "cherry tree bloomed winter").contains("cherry"));
            rag.add(List.of(FOX));
            assertTrue(documents(rag, "fox teakettle").contains("fox"));
        }
        try (MemoRAG rag = MemoRAG.builder().embedder(EMBEDDER).memoryModel(new FakeMemoryModel()).load(save)) {
            assertTrue(documents(rag, "fox teakettle").contains("fox"));
            assertTrue(rag.remove("turtle"));
            assertFalse(documents(rag, "turtle sea king palace").contains("turtle"));
        }
        try (MemoRAG rag = MemoRAG.builder().embedder(EMBEDDER).memoryModel(new FakeMemoryModel()).load(save)) {
            assertEquals(List.of("cherry", "fox"), rag.documentIds());
            assertFalse(documents(rag, "turtle sea king palace").contains("turtle"));
        }
    }

    @Test
    void manyMemoriesShareOneStore() {
        PgVectorConfig a = PgTestServer.config("many").build();
        PgVectorConfig b = PgTestServer.config("many").build();
        try (MemoRAG ra = builder(a, new SwitchableMemory()).build();
                MemoRAG rb = builder(b, new SwitchableMemory()).build()) {
            ra.memorize(List.of(TURTLE), tmp.resolve("a"));
            rb.memorize(List.of(CHERRY, FOX), tmp.resolve("b"));
            assertEquals(List.of("turtle"), documents(ra, "cherry tree fox turtle"));
            assertFalse(documents(rb, "cherry tree fox turtle").contains("turtle"));
        }
        try (MemoRAG ra = MemoRAG.builder().embedder(EMBEDDER).memoryModel(new FakeMemoryModel()).load(tmp.resolve("a"))) {
            assertEquals(List.of("turtle"), ra.documentIds());
        }
    }

    @Test
    void halfFinishedMemoriseLeavesStoreAndSaveDirectoryUntouched() throws IOException {
        PgVectorConfig config = PgTestServer.config("half").build();
        Path save = tmp.resolve("save");
        try (MemoRAG rag = builder(config, new SwitchableMemory()).build()) {
            rag.memorize(List.of(TURTLE, CHERRY), save);
        }
        Map<String, byte[]> before = snapshot(save);
        for (String stage : List.of("memorize", "saveState")) {
            SwitchableMemory failing = new SwitchableMemory();
            failing.failMemorize = stage.equals("memorize");
            failing.failSave = stage.equals("saveState");
            try (MemoRAG rag = builder(config, failing).build()) {
                // The chunks of FOX are already in the (uncommitted) store transaction when the memory model fails.
                assertThrows(MemoRagException.class, () -> rag.memorize(List.of(FOX), save, MemorizeMode.REPLACE),
                        stage);
            }
            assertSameFiles(before, snapshot(save));
            // The store still holds the old memory at the generation the save directory records.
            try (MemoRAG rag = MemoRAG.builder().embedder(EMBEDDER).memoryModel(new FakeMemoryModel()).load(save)) {
                assertEquals(List.of("turtle", "cherry"), rag.documentIds());
                assertTrue(documents(rag, "turtle sea king palace").contains("turtle"));
                assertFalse(documents(rag, "fox teakettle").contains("fox"), stage);
            }
        }
    }

    @Test
    void aSaveWhoseNamespaceWasReplacedSinceIsRefused() {
        PgVectorConfig config = PgTestServer.config("stale").build();
        try (MemoRAG rag = builder(config, new SwitchableMemory()).build()) {
            rag.memorize(List.of(TURTLE), tmp.resolve("first"));
        }
        try (MemoRAG rag = builder(config, new SwitchableMemory()).build()) {
            rag.memorize(List.of(FOX), tmp.resolve("second"));
        }
        var e = assertThrows(StateException.class, () -> MemoRAG.builder().embedder(EMBEDDER)
                .memoryModel(new FakeMemoryModel()).load(tmp.resolve("first")).close());
        assertTrue(e.getMessage().contains("generation") && e.getMessage().contains(config.namespace()),
                e.getMessage());
        try (MemoRAG rag = MemoRAG.builder().embedder(EMBEDDER).memoryModel(new FakeMemoryModel())
                .load(tmp.resolve("second"))) {
            assertEquals(List.of("fox"), rag.documentIds());
        }
    }

    @Test
    void oneWriterPerNamespace() {
        PgVectorConfig config = PgTestServer.config("writer").build();
        try (PgVectorChunkIndex first = PgVectorChunkIndex.create(config, EMBEDDER)) {
            first.add(ChunkIndexContract.corpus(), ProgressListener.NONE);
            var e = assertThrows(StateException.class, () -> PgVectorChunkIndex.create(config, EMBEDDER).close());
            assertTrue(e.getMessage().contains("another pipeline"), e.getMessage());
        }
        // The first writer rolled back on close: the namespace is free again.
        PgVectorChunkIndex.create(config, EMBEDDER).close();
    }
}

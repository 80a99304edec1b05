package dev.memorag.pgvector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.error.StoreException;
import dev.memorag.testing.ChunkIndexContract;
import dev.memorag.testing.WordHashEmbedder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server stopped under running queries: a clear retryable error; restarted, the same queries succeed. */
class PgVectorFaultTest {
    private static final WordHashEmbedder EMBEDDER = new WordHashEmbedder("word-hash-64", 64);
    private static final List<String> QUERIES = List.of("turtle sea king palace", "cherry tree bloomed",
            "treasure cart");
    private boolean paused;

    @AfterEach
    void resumeServer() throws Exception {
        if (paused) {
            PgTestServer.control("resume");
        }
    }

    @Test
    void serverStoppedMidQueryGivesARetryableErrorAndRecovers(@TempDir Path dir) throws Exception {
        PgVectorConfig config = PgTestServer.config("fault").build();
        try (PgVectorChunkIndex index = PgVectorChunkIndex.create(config, EMBEDDER)) {
            index.add(ChunkIndexContract.corpus(), ProgressListener.NONE);
            index.save(dir);
        }
        try (PgVectorChunkIndex index = PgVectorChunkIndex.load(dir, EMBEDDER)) {
            List<List<Hit>> expected = index.retrieveAll(QUERIES, 3);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            Thread loop = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        index.retrieveAll(QUERIES, 3);
                    } catch (RuntimeException e) {
                        failure.set(e);
                        return;
                    }
                }
            });
            loop.start();
            Thread.sleep(300);
            PgTestServer.control("pause");
            paused = true;
            loop.join(60_000);
            stop.set(true);
            assertNotNull(failure.get(), "queries running while the server stopped failed");
            assertRetryable(failure.get(), config);
            assertRetryable(assertThrows(StoreException.class, () -> index.retrieve("turtle", 3)), config);

            PgTestServer.control("resume");
            paused = false;
            assertEquals(expected, index.retrieveAll(QUERIES, 3), "the same queries succeed after the restart");
        }
    }

    private static void assertRetryable(RuntimeException e, PgVectorConfig config) {
        StoreException s = assertInstanceOf(StoreException.class, e, String.valueOf(e));
        assertTrue(s.retryable(), s.getMessage());
        assertTrue(s.getMessage().contains(config.url()) && s.getMessage().contains("retryable"), s.getMessage());
        String password = System.getenv(PgPasswords.ENV);
        assertFalse(password != null && !password.isEmpty() && s.getMessage().contains(password), s.getMessage());
    }
}

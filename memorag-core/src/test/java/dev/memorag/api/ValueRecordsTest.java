package dev.memorag.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CancelledException;
import dev.memorag.error.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ValueRecordsTest {

    private static void assertInvalid(Supplier<?> build, String... words) {
        InvalidInputException e = assertThrows(InvalidInputException.class, build::get);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "message mentions '" + w + "': " + e.getMessage());
        }
    }

    @Test
    void chunkValidatesIdOffsetsAndTokenCount() {
        Chunk c = new Chunk("d#0", "d", "text", 3, 7, 1);
        assertEquals(4, c.end() - c.start());
        assertInvalid(() -> new Chunk("", "d", "t", 0, 1, 1), "Chunk.id");
        assertInvalid(() -> new Chunk("d#1", "d", "t", -1, 1, 1), "d#1", "start=-1");
        assertInvalid(() -> new Chunk("d#2", "d", "t", 5, 4, 1), "d#2", "start=5", "end=4");
        assertInvalid(() -> new Chunk("d#3", "d", "t", 0, 1, -2), "d#3", "tokenCount", "-2");
        assertThrows(NullPointerException.class, () -> new Chunk("x", null, "t", 0, 1, 1));
        assertEquals(new Chunk("d#0", "d", "text", 3, 7, 1), c);
    }

    @Test
    void documentNeedsANonBlankId() {
        assertEquals("body", new Document("a", "body").text());
        assertInvalid(() -> new Document("  ", "body"), "Document.id");
    }

    @Test
    void tokenUsageAddsAndRejectsNegatives() {
        TokenUsage u = new TokenUsage(10, 5).plus(new TokenUsage(1, 2));
        assertEquals(new TokenUsage(11, 7), u);
        assertEquals(18, u.totalTokens());
        assertEquals(0, TokenUsage.ZERO.totalTokens());
        assertInvalid(() -> new TokenUsage(-1, 0), "prompt=-1");
        assertInvalid(() -> new TokenUsage(0, -3), "completion=-3");
    }

    @Test
    void timingsKeepStageOrderAndAreImmutable() {
        Map<String, Duration> m = new LinkedHashMap<>();
        m.put("recall", Duration.ofMillis(30));
        m.put("retrieval", Duration.ofMillis(5));
        Timings t = new Timings(m);
        m.put("late", Duration.ofMillis(1));
        assertEquals(List.of("recall", "retrieval"), new ArrayList<>(t.stages().keySet()));
        Timings t2 = t.with("generation", Duration.ofMillis(100)).with("recall", Duration.ofMillis(40));
        assertEquals(List.of("recall", "retrieval", "generation"), new ArrayList<>(t2.stages().keySet()));
        assertEquals(Duration.ofMillis(145), t2.total());
        assertEquals(Duration.ofMillis(35), t.total(), "with() returns a copy");
        assertEquals(Duration.ZERO, Timings.NONE.total());
        assertThrows(UnsupportedOperationException.class, () -> t.stages().put("x", Duration.ZERO));
    }

    @Test
    void answerCopiesItsLists() {
        List<String> clues = new ArrayList<>(List.of("clue"));
        List<Hit> evidence = new ArrayList<>(List.of(new Hit(new Chunk("d#0", "d", "t", 0, 1, 1), 0.5)));
        Answer a = new Answer("42", TaskType.MEMORY_QA, clues, evidence, Timings.NONE, TokenUsage.ZERO);
        clues.add("more");
        evidence.clear();
        assertEquals(List.of("clue"), a.clues());
        assertEquals(1, a.evidence().size());
        assertThrows(UnsupportedOperationException.class, () -> a.clues().add("x"));
    }

    @Test
    void generationOptionsDefaultsAndValidation() {
        GenerationOptions d = GenerationOptions.builder().build();
        assertEquals(256, d.maxNewTokens());
        assertTrue(d.isGreedy());
        assertEquals(1.0, d.topP());
        assertEquals(0, d.topK());
        assertEquals(1.0, d.repetitionPenalty());
        assertEquals(List.of(), d.stop());
        assertNull(d.seed());
        assertEquals(GenerationOptions.DEFAULT_SEED, d.effectiveSeed());
        assertEquals(7L, GenerationOptions.builder().seed(7L).build().effectiveSeed());
        assertEquals(16, GenerationOptions.greedy(16).maxNewTokens());
        GenerationOptions s = GenerationOptions.builder().temperature(0.7).topP(0.9).topK(40).repetitionPenalty(1.1)
                .stop(List.of("\n\n")).seed(3L).build();
        assertFalse(s.isGreedy());
        assertEquals(s, s.toBuilder().build());

        assertInvalid(() -> GenerationOptions.greedy(0), "maxNewTokens", "0");
        assertInvalid(() -> GenerationOptions.builder().temperature(-0.1).build(), "temperature", "-0.1");
        assertInvalid(() -> GenerationOptions.builder().temperature(Double.NaN).build(), "temperature", "NaN");
        assertInvalid(() -> GenerationOptions.builder().temperature(Double.POSITIVE_INFINITY).build(), "temperature");
        assertInvalid(() -> GenerationOptions.builder().topP(0).build(), "topP", "0.0");
        assertInvalid(() -> GenerationOptions.builder().topP(1.5).build(), "topP", "1.5");
        assertInvalid(() -> GenerationOptions.builder().topK(-1).build(), "topK", "-1");
        assertInvalid(() -> GenerationOptions.builder().repetitionPenalty(0).build(), "repetitionPenalty");
        assertInvalid(() -> GenerationOptions.builder().stop(List.of("ok", "")).build(), "stop");
    }

    @Test
    void generationOptionsStopListIsCopied() {
        List<String> stop = new ArrayList<>(List.of("END"));
        GenerationOptions o = GenerationOptions.builder().stop(stop).build();
        stop.add("MORE");
        assertEquals(List.of("END"), o.stop());
    }

    @Test
    void chatMessagesUseWireNames() {
        assertEquals("system", ChatMessage.system("s").role().wireName());
        assertEquals("user", ChatMessage.user("u").role().wireName());
        assertEquals(new ChatMessage(ChatMessage.Role.ASSISTANT, "a"), ChatMessage.assistant("a"));
    }

    @Test
    void cancellationTokenThrowsNamingTheOperation() {
        CancellationToken t = new CancellationToken();
        t.throwIfCancelled("generation");
        t.cancel();
        t.cancel();
        assertTrue(t.isCancelled());
        CancelledException e = assertThrows(CancelledException.class, () -> t.throwIfCancelled("generation"));
        assertTrue(e.getMessage().contains("generation"));
        CancellationToken.NONE.cancel();
        assertFalse(CancellationToken.NONE.isCancelled(), "NONE can never be cancelled");
    }

    @Test
    void enumNamesAreStable() {
        // these names are stored in saves and used on the command line
        assertEquals(List.of("MEMORY_QA", "MEMORY_ONLY_QA", "SUMMARIZE", "RAG"),
                java.util.Arrays.stream(TaskType.values()).map(Enum::name).toList());
        assertEquals(List.of("DENSE", "BM25", "HYBRID", "GRAPH", "PGVECTOR"),
                java.util.Arrays.stream(ChunkIndexKind.values()).map(Enum::name).toList());
    }
}

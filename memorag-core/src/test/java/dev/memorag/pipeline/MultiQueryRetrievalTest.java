package dev.memorag.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.Hit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MultiQueryRetrievalTest {
    private static final Chunk A0 = new Chunk("a#0", "a", "a zero", 0, 6, 2);
    private static final Chunk A1 = new Chunk("a#1", "a", "a one", 10, 15, 2);
    private static final Chunk A2 = new Chunk("a#2", "a", "a two", 20, 25, 2);
    private static final Chunk B0 = new Chunk("b#0", "b", "b zero", 0, 6, 2);
    private static final Map<String, Integer> ORDER = Map.of("a", 0, "b", 1);

    private static List<String> ids(List<Hit> hits) {
        return hits.stream().map(h -> h.chunk().id()).toList();
    }

    @Test
    void unionIsDeduplicatedAndOrderedByDocumentThenOffset() {
        MultiQueryRetrieval mq = new MultiQueryRetrieval(2, EvidenceOrder.DOCUMENT_POSITION);
        List<List<Hit>> perQuery = List.of(
                List.of(new Hit(B0, 0.9), new Hit(A2, 0.8), new Hit(A0, 0.7)),
                List.of(new Hit(A2, 0.95), new Hit(A1, 0.5)));
        List<Hit> merged = mq.retrieve(List.of("q1", "q2"), (qs, k) -> {
            assertEquals(2, k);
            return perQuery;
        }, ORDER::get);
        // A0 is third for q1, beyond hits=2, so it is not taken.
        assertEquals(List.of("a#1", "a#2", "b#0"), ids(merged));
        assertEquals(0.95, merged.get(1).score(), 1e-12, "best score over the queries");
    }

    @Test
    void fusedScoreOrderRanksChunksFoundBySeveralQueriesFirst() {
        MultiQueryRetrieval mq = new MultiQueryRetrieval(2, EvidenceOrder.FUSED_SCORE);
        List<Hit> merged = mq.merge(List.of(
                List.of(new Hit(B0, 0.9), new Hit(A2, 0.8)),
                List.of(new Hit(A2, 0.95), new Hit(A1, 0.5))), ORDER::get);
        assertEquals(List.of("a#2", "b#0", "a#1"), ids(merged));
    }

    @Test
    void unknownDocumentsSortLast() {
        Chunk x = new Chunk("x#0", "x", "x", 0, 1, 1);
        MultiQueryRetrieval mq = new MultiQueryRetrieval(3, EvidenceOrder.DOCUMENT_POSITION);
        List<Hit> merged = mq.merge(List.of(List.of(new Hit(x, 1), new Hit(B0, 0.5), new Hit(A0, 0.1))), ORDER::get);
        assertEquals(List.of("a#0", "b#0", "x#0"), ids(merged));
    }

    @Test
    void plainRetrieverIsCalledOncePerQuery() {
        MultiQueryRetrieval mq = new MultiQueryRetrieval(1, EvidenceOrder.DOCUMENT_POSITION);
        List<Hit> merged = mq.retrieveEach(List.of("two", "zero"),
                (String q, int k) -> q.equals("two") ? List.of(new Hit(A2, 1)) : List.of(new Hit(A0, 1)), ORDER::get);
        assertEquals(List.of("a#0", "a#2"), ids(merged));
    }

    @Test
    void badArgumentsAreClearErrors() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new MultiQueryRetrieval(0, EvidenceOrder.DOCUMENT_POSITION));
        assertEquals("hits per query must be > 0, was 0", e.getMessage());
        MultiQueryRetrieval mq = new MultiQueryRetrieval(1, EvidenceOrder.DOCUMENT_POSITION);
        assertThrows(InvalidInputException.class, () -> mq.retrieve(List.of(), (qs, k) -> List.of(), ORDER::get));
    }
}

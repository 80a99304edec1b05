package dev.memorag.retrieval.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.GenerationException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenUsage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlmTripleExtractorTest {

    /** Replies from a script, in order; records the prompts it saw. */
    static final class ScriptedGenerator implements Generator {
        final Deque<Object> replies;
        final java.util.List<List<ChatMessage>> seen = new java.util.ArrayList<>();

        ScriptedGenerator(Object... replies) {
            this.replies = new ArrayDeque<>(List.of(replies));
        }

        @Override
        public GenerationResult generate(List<ChatMessage> messages, dev.memorag.api.GenerationOptions options,
                dev.memorag.api.TokenListener listener) {
            seen.add(messages);
            Object r = replies.isEmpty() ? "nothing left" : replies.poll();
            if (r instanceof RuntimeException e) {
                throw e;
            }
            return new GenerationResult((String) r, FinishReason.STOP, new TokenUsage(1, 1));
        }
    }

    @Test
    void entitiesThenTriplesConditionedOnThem() {
        ScriptedGenerator g = new ScriptedGenerator("{\"entities\": [\"Marie Curie\", \"Warsaw\"]}",
                "{\"triples\": [[\"Marie Curie\", \"born in\", \"Warsaw\"]]}");
        ExtractionResult r = LlmTripleExtractor.builder(g).build().extractOne(GraphFixtures.chunk("c1",
                "Marie Curie was born in Warsaw."));
        assertEquals(ExtractionResult.Status.OK, r.status());
        assertEquals(List.of("Marie Curie", "Warsaw"), r.entities());
        assertEquals(List.of(new Triple("Marie Curie", "born in", "Warsaw")), r.triples());
        assertTrue(g.seen.get(1).get(1).content().contains("[\"Marie Curie\",\"Warsaw\"]"));
        assertEquals(2, r.attempts());
    }

    @Test
    void nonJsonIsRetriedThenReportedAsFailure() {
        ScriptedGenerator g = new ScriptedGenerator("I am sorry, I cannot do that.", "Still no JSON here",
                "{\"entities\": [\"A\"]}", "nope", "nope again", "no");
        ExtractionResult r = LlmTripleExtractor.builder(g).maxRetries(2).build().extractOne(GraphFixtures.chunk("c2",
                "A text."));
        assertEquals(ExtractionResult.Status.FAILED, r.status());
        assertTrue(r.message().startsWith("triple step: no JSON in the reply: 'no'"), r.message());
        assertTrue(r.message().contains("after 3 attempts"), r.message());
        assertEquals(6, r.attempts());
        assertTrue(r.triples().isEmpty());
    }

    @Test
    void truncatedJsonIsRepairedAndMalformedTriplesDropped() {
        ScriptedGenerator g = new ScriptedGenerator("{\"entities\": [\"A\", \"B\", \"C",
                "```json\n{\"triples\": [[\"A\", \"r\", \"B\"], [\"A\", \"only two\"], [\"B\", \"r\", \"C\"], [\"C\", \"r");
        ExtractionResult r = LlmTripleExtractor.builder(g).build().extractOne(GraphFixtures.chunk("c3", "A B C"));
        assertEquals(ExtractionResult.Status.REPAIRED, r.status());
        assertEquals(List.of("A", "B"), r.entities());
        assertEquals(List.of(new Triple("A", "r", "B"), new Triple("B", "r", "C")), r.triples());
        assertTrue(r.message().contains("truncated and repaired") && r.message().contains("dropped malformed"),
                r.message());
    }

    @Test
    void retryableGeneratorErrorsAreRetriedOthersAreNot() {
        ScriptedGenerator g = new ScriptedGenerator(new GenerationException("rate limited", 429, true, null),
                "{\"entities\": []}", "{\"triples\": []}");
        ExtractionResult r = LlmTripleExtractor.builder(g).build().extractOne(GraphFixtures.chunk("c4", "x"));
        assertEquals(ExtractionResult.Status.OK, r.status());
        assertEquals(3, r.attempts());
        g = new ScriptedGenerator(new GenerationException("bad request", 400, false, null));
        r = LlmTripleExtractor.builder(g).build().extractOne(GraphFixtures.chunk("c5", "x"));
        assertEquals(ExtractionResult.Status.FAILED, r.status());
        assertTrue(r.message().contains("bad request"), r.message());
        assertEquals(1, r.attempts());
    }

    @Test
    void indexAddFailsAtomicallyWhenExtractionFails() {
        ScriptedGenerator g = new ScriptedGenerator("{\"entities\": [\"A\"]}", "{\"triples\": [[\"A\", \"r\", \"B\"]]}",
                "garbage", "garbage", "garbage");
        GraphChunkIndex index = GraphChunkIndex.builder(new TrigramEmbedder())
                .extractor(LlmTripleExtractor.builder(g).build()).build();
        GenerationException e = assertThrows(GenerationException.class, () -> index.add(List.of(
                GraphFixtures.chunk("ok", "A r B"), GraphFixtures.chunk("bad", "zzz")), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("1 of 2 chunks failed") && e.getMessage().contains("bad: entity step"),
                e.getMessage());
        assertTrue(index.chunks().isEmpty());
        assertEquals(2, index.lastExtraction().size());
    }
}

package dev.memorag.retrieval.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.CancelledException;
import dev.memorag.error.GenerationException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.Chunk;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.Generator;
import dev.memorag.api.ProgressListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open information extraction with any {@link Generator}, in two steps as in HippoRAG 2: named entities first, then
 * triples conditioned on those entities, both requested as JSON. Output is parsed leniently ({@link LenientJson}:
 * surrounding prose skipped, truncated JSON repaired); malformed entries are dropped and noted; a step whose output
 * has no usable JSON, or whose generator call fails retryably, is retried up to {@link Builder#maxRetries} times. A
 * chunk that still fails is reported with status FAILED and the reason; nothing fails silently.
 *
 * <p>Thread-safety: as thread-safe as the generator; holds no mutable state.
 */
public final class LlmTripleExtractor implements TripleExtractor {
    private static final Logger LOG = LoggerFactory.getLogger(LlmTripleExtractor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String NER_SYSTEM = """
            You find the named entities in a passage: people, organisations, places, works, events, dates, \
            numbers with units and other specific names. Copy each entity exactly as it is written in the passage, \
            list each one once, and do not explain anything.
            Reply with JSON only, in this form: {"entities": ["first entity", "second entity"]}""";
    static final String TRIPLE_SYSTEM = """
            You turn a passage into a small knowledge graph. Write every fact the passage states as a \
            [subject, relation, object] triple. Use the given entities as subjects or objects wherever they fit, \
            keep each field short, resolve pronouns to the names they refer to, and add no facts the passage does \
            not state.
            Reply with JSON only, in this form: {"triples": [["subject", "relation", "object"]]}""";

    private final Generator generator;
    private final GenerationOptions options;
    private final int maxRetries;

    private LlmTripleExtractor(Builder b) {
        generator = Objects.requireNonNull(b.generator, "generator");
        options = Objects.requireNonNull(b.options, "options");
        if (b.maxRetries < 0) {
            throw new InvalidInputException("LlmTripleExtractor.maxRetries must be >= 0, was " + b.maxRetries);
        }
        maxRetries = b.maxRetries;
    }

    public static Builder builder(Generator generator) {
        return new Builder(generator);
    }

    @Override
    public List<ExtractionResult> extract(List<Chunk> chunks, ProgressListener progress) {
        List<ExtractionResult> out = new ArrayList<>(chunks.size());
        int failed = 0;
        for (Chunk c : chunks) {
            ExtractionResult r = extractOne(c);
            if (r.status() == ExtractionResult.Status.FAILED) {
                failed++;
                LOG.warn("extraction failed for chunk {}: {}", c.id(), r.message());
            }
            out.add(r);
            progress.onProgress("graph extract", out.size(), chunks.size());
        }
        if (failed > 0) {
            LOG.warn("extraction failed for {} of {} chunks", failed, chunks.size());
        }
        return out;
    }

    /** Extracts entities, then triples, from one chunk. */
    public ExtractionResult extractOne(Chunk chunk) {
        List<String> notes = new ArrayList<>();
        int[] attempts = {0};
        String passage = chunk.text();
        Step ner = run(List.of(ChatMessage.system(NER_SYSTEM), ChatMessage.user("Passage:\n" + passage)),
                "entities", attempts);
        if (ner.error != null) {
            return failed(chunk, attempts[0], "entity step: " + ner.error);
        }
        List<String> entities = new ArrayList<>();
        JsonNode list = ner.value.isArray() ? ner.value : ner.value.path("entities");
        for (JsonNode e : list) {
            if (e.isTextual() && !e.asText().isBlank()) {
                entities.add(e.asText().strip());
            } else {
                notes.add("dropped entity " + e);
            }
        }
        String user;
        try {
            user = "Passage:\n" + passage + "\n\nEntities: " + JSON.writeValueAsString(entities);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Step tri = run(List.of(ChatMessage.system(TRIPLE_SYSTEM), ChatMessage.user(user)), "triples", attempts);
        if (tri.error != null) {
            return failed(chunk, attempts[0], "triple step: " + tri.error);
        }
        List<Triple> triples = new ArrayList<>();
        JsonNode tl = tri.value.isArray() ? tri.value : tri.value.path("triples");
        for (JsonNode t : tl) {
            if (t.isArray() && t.size() == 3 && t.get(0).isValueNode() && t.get(1).isValueNode()
                    && t.get(2).isValueNode()) {
                triples.add(new Triple(t.get(0).asText(), t.get(1).asText(), t.get(2).asText()));
            } else {
                notes.add("dropped malformed triple " + Fact.abbreviate(t.toString()));
            }
        }
        if (ner.repaired) {
            notes.add(0, "entity JSON was truncated and repaired");
        }
        if (tri.repaired) {
            notes.add(0, "triple JSON was truncated and repaired");
        }
        ExtractionResult.Status status = notes.isEmpty() ? ExtractionResult.Status.OK
                : ExtractionResult.Status.REPAIRED;
        return new ExtractionResult(chunk, status, entities, triples, attempts[0], String.join("; ", notes));
    }

    private static ExtractionResult failed(Chunk chunk, int attempts, String why) {
        return new ExtractionResult(chunk, ExtractionResult.Status.FAILED, List.of(), List.of(), attempts, why);
    }

    private record Step(JsonNode value, boolean repaired, String error) {
    }

    private Step run(List<ChatMessage> messages, String field, int[] attempts) {
        String lastError = null;
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            attempts[0]++;
            String text;
            try {
                text = generator.generate(messages, options).text();
            } catch (CancelledException e) {
                throw e;
            } catch (GenerationException e) {
                lastError = "generator " + generator.id() + " failed: " + e.getMessage();
                if (!e.retryable()) {
                    break;
                }
                continue;
            }
            LenientJson.Parsed p = LenientJson.parse(text);
            if (p == null) {
                lastError = "no JSON in the reply: '" + Fact.abbreviate(text.strip()) + "'";
                continue;
            }
            JsonNode v = p.value();
            if (v.isObject() && !v.path(field).isArray()) {
                lastError = "JSON reply has no '" + field + "' array: " + Fact.abbreviate(v.toString());
                continue;
            }
            return new Step(v, p.repaired(), null);
        }
        return new Step(null, false, lastError + " (after " + (maxRetries + 1) + " attempts)");
    }

    /** Builder: greedy decoding of up to 1,024 tokens, 2 retries. */
    public static final class Builder {
        private final Generator generator;
        private GenerationOptions options = GenerationOptions.greedy(1024);
        private int maxRetries = 2;

        private Builder(Generator generator) {
            this.generator = generator;
        }

        public Builder options(GenerationOptions v) {
            options = v;
            return this;
        }

        /** Extra attempts per step after unparseable output or a retryable generator error. */
        public Builder maxRetries(int v) {
            maxRetries = v;
            return this;
        }

        public LlmTripleExtractor build() {
            return new LlmTripleExtractor(this);
        }
    }
}

package dev.memorag.retrieval.graph;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memorag.error.CancelledException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HippoRAG 2's recognition filter with a {@link Generator}: shows the query and the candidate facts, asks for the
 * relevant ones as JSON, and keeps at most {@code maxKept} candidates that the reply names (matched after
 * normalisation, so the model cannot invent facts). When the reply is unusable or the call fails, the filter logs a
 * warning and keeps the top {@code maxKept} candidates unchanged rather than dropping the graph signal.
 *
 * <p>Thread-safety: as thread-safe as the generator.
 */
public final class LlmFactFilter implements FactFilter {
    private static final Logger LOG = LoggerFactory.getLogger(LlmFactFilter.class);
    static final String SYSTEM = """
            You are given a question and a numbered list of facts, each a [subject, relation, object] triple. \
            Choose the facts that help answer the question, at most %d, most useful first. Copy the chosen \
            triples exactly. If none helps, return an empty list.
            Reply with JSON only, in this form: {"facts": [["subject", "relation", "object"]]}""";

    private final Generator generator;
    private final int maxKept;
    private final GenerationOptions options;

    public LlmFactFilter(Generator generator, int maxKept) {
        this.generator = Objects.requireNonNull(generator, "generator");
        if (maxKept <= 0) {
            throw new InvalidInputException("LlmFactFilter.maxKept must be > 0, was " + maxKept);
        }
        this.maxKept = maxKept;
        this.options = GenerationOptions.greedy(512);
    }

    @Override
    public List<Fact> filter(String query, List<Fact> candidates) {
        if (candidates.isEmpty()) {
            return List.of();
        }
        StringBuilder user = new StringBuilder("Question: ").append(query).append("\n\nFacts:\n");
        for (int i = 0; i < candidates.size(); i++) {
            Fact f = candidates.get(i);
            user.append(i + 1).append(". [\"").append(f.subject()).append("\", \"").append(f.relation())
                    .append("\", \"").append(f.object()).append("\"]\n");
        }
        String reply;
        try {
            reply = generator.generate(List.of(ChatMessage.system(SYSTEM.formatted(maxKept)),
                    ChatMessage.user(user.toString())), options).text();
        } catch (CancelledException e) {
            throw e;
        } catch (MemoRagException e) {
            LOG.warn("fact filter: generator {} failed ({}); keeping the top {} facts", generator.id(),
                    e.getMessage(), maxKept);
            return candidates.subList(0, Math.min(maxKept, candidates.size()));
        }
        LenientJson.Parsed p = LenientJson.parse(reply);
        JsonNode list = p == null ? null : p.value().isArray() ? p.value() : p.value().get("facts");
        if (list == null || !list.isArray()) {
            LOG.warn("fact filter: reply has no JSON fact list ('{}'); keeping the top {} facts",
                    Fact.abbreviate(reply.strip()), maxKept);
            return candidates.subList(0, Math.min(maxKept, candidates.size()));
        }
        List<Fact> named = new ArrayList<>();
        for (JsonNode t : list) {
            if (t.isArray() && t.size() == 3) {
                Fact f = Fact.of(new Triple(t.get(0).asText(), t.get(1).asText(), t.get(2).asText()),
                        new StringBuilder());
                if (f != null) {
                    named.add(f);
                }
            }
        }
        List<Fact> kept = new ArrayList<>();
        for (Fact c : candidates) {
            if (named.contains(c) && kept.size() < maxKept) {
                kept.add(c);
            }
        }
        return kept;
    }
}

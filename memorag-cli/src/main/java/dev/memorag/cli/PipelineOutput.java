package dev.memorag.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.api.Answer;
import dev.memorag.api.Hit;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.Timings;
import dev.memorag.api.TokenUsage;
import dev.memorag.pipeline.QueryResult;
import dev.memorag.pipeline.Recollection;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders pipeline results for the CLI, as text or as JSON.
 *
 * <p>Thread-safety: stateless and thread-safe.
 */
public final class PipelineOutput {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PipelineOutput() {
    }

    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    public static void print(PrintStream out, ObjectNode node) {
        try {
            out.println(JSON.writeValueAsString(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode answer(QueryResult r) {
        Answer a = r.answer();
        ObjectNode n = object();
        n.put("task", a.task().name());
        n.put("answer", a.text());
        strings(n.putArray("clues"), a.clues());
        evidence(n.putArray("evidence"), a.evidence());
        n.put("retrieved", r.retrieved());
        n.put("dropped", r.dropped());
        n.put("evidence_truncated", r.evidenceTruncated());
        strings(n.putArray("warnings"), r.warnings());
        n.set("timings_ms", timings(a.timings()));
        n.set("usage", usage(a.usage()));
        return n;
    }

    static ObjectNode recollection(Recollection r) {
        ObjectNode n = object();
        n.put("query", r.query());
        strings(n.putArray("clues"), r.clues());
        if (!r.draftAnswer().isEmpty()) {
            n.put("draft_answer", r.draftAnswer());
        }
        evidence(n.putArray("evidence"), r.evidence());
        n.set("timings_ms", timings(r.timings()));
        n.set("usage", usage(r.usage()));
        return n;
    }

    public static ObjectNode memoryStats(MemoryStats s) {
        ObjectNode n = object();
        n.put("tokens_read", s.tokensRead());
        n.put("kv_entries", s.kvEntries());
        n.put("bytes", s.bytes());
        n.put("compression_ratio", s.compressionRatio());
        return n;
    }

    public static ObjectNode components(Map<String, String> describe) {
        ObjectNode n = object();
        describe.forEach(n::put);
        return n;
    }

    private static void strings(ArrayNode arr, List<String> values) {
        values.forEach(arr::add);
    }

    private static void evidence(ArrayNode arr, List<Hit> hits) {
        for (Hit h : hits) {
            ObjectNode e = arr.addObject();
            e.put("chunk_id", h.chunk().id());
            e.put("document_id", h.chunk().documentId());
            e.put("start", h.chunk().start());
            e.put("end", h.chunk().end());
            e.put("score", h.score());
            e.put("text", h.chunk().text());
        }
    }

    static ObjectNode timings(Timings t) {
        ObjectNode n = object();
        for (Map.Entry<String, Duration> e : t.stages().entrySet()) {
            n.put(e.getKey(), e.getValue().toNanos() / 1e6);
        }
        n.put("total", t.total().toNanos() / 1e6);
        return n;
    }

    private static ObjectNode usage(TokenUsage u) {
        ObjectNode n = object();
        n.put("prompt_tokens", u.promptTokens());
        n.put("completion_tokens", u.completionTokens());
        return n;
    }

    /** Evidence passages as text: a header line with chunk id and offsets, then the passage. */
    static void printEvidence(PrintStream out, List<Hit> hits) {
        int i = 1;
        for (Hit h : hits) {
            out.printf(Locale.ROOT, "--- [%d] %s, characters %,d-%,d (score %.3f)%n", i++, h.chunk().id(),
                    h.chunk().start(), h.chunk().end(), h.score());
            out.println(h.chunk().text());
        }
    }

    static void printTimings(PrintStream out, Timings t) {
        StringBuilder sb = new StringBuilder("timings:");
        t.stages().forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.2fs", k, v.toNanos() / 1e9)));
        out.println(sb);
    }
}

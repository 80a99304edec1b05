package dev.memorag.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.memorag.error.StorageException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.text.Cl100kTokenCounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memorag eval bookqa}: section recall@k over a whole book (eval/README.md): a gold section is hit when some
 * top-k chunk overlaps at least half of the section or at least half of the chunk; per question hits / sections.
 */
@Command(name = "bookqa", mixinStandardHelpOptions = true,
        description = "Section recall@k of book QA questions over a chunked book (prints a JSON report).")
public final class EvalBookqaCommand implements Runnable {
    @Option(names = "--book", required = true, description = "the book (UTF-8 text; offsets index into it)")
    Path book;

    @Option(names = "--questions", required = true,
            description = "questions JSONL: {\"question\",\"gold_sections\":[{\"char_start\",\"char_end\"}]}")
    Path questions;

    @Option(names = "--chunk-tokens", description = "chunk by this many cl100k tokens instead of characters")
    Integer chunkTokens;

    @Option(names = "--chunk-chars", defaultValue = "1200", description = "character chunk size (default 1200)")
    int chunkChars;

    @Option(names = "--chunk-step", defaultValue = "1000", description = "character chunk stride (default 1000)")
    int chunkStep;

    @Option(names = "--k", defaultValue = "1,5,10,20", description = "cut-offs (default: ${DEFAULT-VALUE})")
    String k;

    @Mixin
    RetrievalEvalSupport.RetrieverOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        int[] ks = RetrievalEvalSupport.ks(k);
        String text;
        try {
            text = Files.readString(book);
        } catch (IOException e) {
            throw new StorageException("cannot read book " + book + ": " + e.getMessage());
        }
        if (text.isBlank()) {
            throw new InvalidInputException("book " + book + " is empty");
        }
        List<Chunk> chunks = chunkTokens != null ? byTokens(text, chunkTokens) : byChars(text, chunkChars, chunkStep);
        List<JsonNode> qs = RetrievalEvalSupport.readJsonl(questions, "questions");
        List<String> queries = new ArrayList<>();
        List<int[][]> sections = new ArrayList<>();
        for (int i = 0; i < qs.size(); i++) {
            queries.add(RetrievalEvalSupport.text(qs.get(i), questions, i, "question"));
            List<int[]> s = new ArrayList<>();
            for (JsonNode g : qs.get(i).path("gold_sections")) {
                int a = g.path("char_start").asInt(-1);
                int b = g.path("char_end").asInt(-1);
                if (a < 0 || b <= a || b > text.length()) {
                    throw new InvalidInputException(questions + ": record " + (i + 1) + " has a bad gold section "
                            + a + ".." + b);
                }
                s.add(new int[] {a, b});
            }
            if (s.isEmpty()) {
                throw new InvalidInputException(questions + ": record " + (i + 1) + " has no 'gold_sections'");
            }
            sections.add(s.toArray(int[][]::new));
        }
        ObjectNode r = RetrievalEvalSupport.recallReport(options, chunks, queries, ks, (q, top) -> {
            int hit = 0;
            for (int[] s : sections.get(q)) {
                if (top.stream().anyMatch(h -> covers(h.chunk(), s))) {
                    hit++;
                }
            }
            return (double) hit / sections.get(q).length;
        }, details -> {
            details.put("chunk_size", chunkTokens != null ? chunkTokens + " tokens" : chunkChars + " chars");
            details.put("chunk_step", chunkTokens != null ? chunkTokens + " tokens" : chunkStep + " chars");
            details.put("chunks", chunks.size());
        });
        RetrievalEvalSupport.report(spec.commandLine().getOut(), r, options.out);
    }

    /** README rule: overlap >= half the section or >= half the chunk. */
    static boolean covers(Chunk c, int[] s) {
        int overlap = Math.max(0, Math.min(s[1], c.end()) - Math.max(s[0], c.start()));
        return overlap >= 0.5 * (s[1] - s[0]) || overlap >= 0.5 * (c.end() - c.start());
    }

    /** Fixed character windows (the README's BM25 baseline: 1,200 characters every 1,000). */
    static List<Chunk> byChars(String text, int size, int step) {
        if (size <= 0 || step <= 0) {
            throw new InvalidInputException("--chunk-chars and --chunk-step must be > 0, were " + size + ", " + step);
        }
        List<Chunk> out = new ArrayList<>();
        for (int s = 0; s < text.length(); s += step) {
            int e = Math.min(text.length(), s + size);
            String t = text.substring(s, e);
            out.add(new Chunk("book#" + out.size(), "book", t, s, e, Cl100kTokenCounter.INSTANCE.count(t)));
            if (e == text.length()) {
                break;
            }
        }
        return out;
    }

    /** Consecutive windows of {@code n} cl100k tokens; offsets from the decoded lengths. */
    static List<Chunk> byTokens(String text, int n) {
        if (n <= 0) {
            throw new InvalidInputException("--chunk-tokens must be > 0, was " + n);
        }
        Encoding enc = Cl100kTokenCounter.INSTANCE.encoding();
        IntArrayList ids = enc.encodeOrdinary(text);
        List<Chunk> out = new ArrayList<>();
        int pos = 0;
        for (int s = 0; s < ids.size(); s += n) {
            IntArrayList slice = new IntArrayList();
            for (int i = s; i < Math.min(ids.size(), s + n); i++) {
                slice.add(ids.get(i));
            }
            String t = enc.decode(slice);
            int end = Math.min(text.length(), pos + t.length());
            out.add(new Chunk("book#" + out.size(), "book", text.substring(pos, end), pos, end, slice.size()));
            pos = end;
        }
        return out;
    }
}

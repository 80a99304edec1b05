package dev.memorag.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.text.Cl100kTokenCounter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memorag eval retrieval}: passage recall@k on a multi-hop corpus (eval/README.md: indexed text is
 * {@code title + "\n" + text}; recall = |top-k ∩ gold| / |gold|, averaged over questions).
 */
@Command(name = "retrieval", mixinStandardHelpOptions = true,
        description = "Passage retrieval recall@k on a JSON-lines corpus and questions (prints a JSON report).")
public final class EvalRetrievalCommand implements Runnable {
    @Option(names = "--corpus", required = true, description = "corpus JSONL: {\"id\",\"title\",\"text\"}")
    Path corpus;

    @Option(names = "--questions", required = true,
            description = "questions JSONL: {\"id\",\"question\",\"gold_passage_ids\":[...]}")
    Path questions;

    @Option(names = "--k", defaultValue = "1,2,5,10,20", description = "cut-offs (default: ${DEFAULT-VALUE})")
    String k;

    @Mixin
    RetrievalEvalSupport.RetrieverOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        int[] ks = RetrievalEvalSupport.ks(k);
        List<JsonNode> docs = RetrievalEvalSupport.readJsonl(corpus, "corpus");
        List<JsonNode> qs = RetrievalEvalSupport.readJsonl(questions, "questions");
        List<Chunk> chunks = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode d = docs.get(i);
            String id = RetrievalEvalSupport.text(d, corpus, i, "id");
            if (!ids.add(id)) {
                throw new InvalidInputException(corpus + ": record " + (i + 1) + " repeats id '" + id + "'");
            }
            String text = d.path("title").asText("") + "\n" + RetrievalEvalSupport.text(d, corpus, i, "text");
            chunks.add(new Chunk(id, id, text, 0, text.length(), Cl100kTokenCounter.INSTANCE.count(text)));
        }
        List<String> queries = new ArrayList<>();
        List<Set<String>> gold = new ArrayList<>();
        for (int i = 0; i < qs.size(); i++) {
            queries.add(RetrievalEvalSupport.text(qs.get(i), questions, i, "question"));
            Set<String> g = new HashSet<>();
            qs.get(i).path("gold_passage_ids").forEach(n -> g.add(n.asText()));
            if (g.isEmpty()) {
                throw new InvalidInputException(questions + ": record " + (i + 1) + " has no 'gold_passage_ids'");
            }
            gold.add(g);
        }
        ObjectNode r = RetrievalEvalSupport.recallReport(options, chunks, queries, ks,
                (q, top) -> (double) top.stream().map(h -> h.chunk().id()).filter(gold.get(q)::contains).count()
                        / gold.get(q).size(),
                details -> { });
        RetrievalEvalSupport.report(spec.commandLine().getOut(), r, options.out);
    }
}

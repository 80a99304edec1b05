package dev.memorag.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.retrieval.embed.Embedders;
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
        long t0 = System.nanoTime();
        int maxK = java.util.Arrays.stream(ks).max().orElse(1);
        double[] sums = new double[ks.length];
        String embedderId;
        try (Embedder e = options.openEmbedder(Embedders.BGE_SMALL_EN); ChunkIndex index = options.newIndex(e)) {
            embedderId = options.embedderName(e);
            index.add(chunks, dev.memorag.api.ProgressListener.NONE);
            List<List<Hit>> results = index.retrieveAll(queries, maxK);
            for (int q = 0; q < queries.size(); q++) {
                List<Hit> hits = results.get(q);
                for (int j = 0; j < ks.length; j++) {
                    long found = hits.stream().limit(ks[j]).map(h -> h.chunk().id()).filter(gold.get(q)::contains)
                            .count();
                    sums[j] += (double) found / gold.get(q).size();
                }
            }
        }
        ObjectNode r = RetrievalEvalSupport.JSON.createObjectNode();
        r.put("retriever", options.retriever);
        r.put("embedder", embedderId);
        r.put("questions", queries.size());
        ObjectNode recall = r.putObject("recall");
        for (int j = 0; j < ks.length; j++) {
            recall.put(Integer.toString(ks[j]), RetrievalEvalSupport.round(sums[j] / queries.size()));
        }
        r.put("seconds", RetrievalEvalSupport.round((System.nanoTime() - t0) / 1e9));
        RetrievalEvalSupport.report(spec.commandLine().getOut(), r, options.out);
    }
}

package dev.memorag.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.retrieval.embed.Embedders;
import dev.memorag.text.Cl100kTokenCounter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code memorag eval zh-passages}: LongBench passage_retrieval_zh, ranking each question's own passages; R@1, R@5. */
@Command(name = "zh-passages", mixinStandardHelpOptions = true,
        description = "Chinese passage retrieval recall@1/@5 (LongBench passage_retrieval_zh; prints a JSON report).")
public final class EvalZhPassagesCommand implements Runnable {
    @Option(names = "--file", required = true,
            description = "JSONL: {\"query\",\"passages\":[{\"num\",\"text\"}],\"gold_passage_num\"}")
    Path file;

    @Mixin
    RetrievalEvalSupport.RetrieverOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        List<JsonNode> rows = RetrievalEvalSupport.readJsonl(file, "passage retrieval");
        long t0 = System.nanoTime();
        int r1 = 0;
        int r5 = 0;
        String embedderId;
        try (Embedder e = options.openEmbedder(Embedders.BGE_SMALL_ZH)) {
            embedderId = options.embedderName(e);
            for (int i = 0; i < rows.size(); i++) {
                JsonNode row = rows.get(i);
                String query = RetrievalEvalSupport.text(row, file, i, "query");
                JsonNode gold = row.get("gold_passage_num");
                if (gold == null || gold.isNull()) {
                    throw new InvalidInputException(file + ": record " + (i + 1) + " has no 'gold_passage_num'");
                }
                List<Chunk> chunks = new ArrayList<>();
                for (JsonNode p : row.path("passages")) {
                    String num = p.path("num").asText();
                    String text = p.path("text").asText("");
                    chunks.add(new Chunk(num, num, text, 0, text.length(), Cl100kTokenCounter.INSTANCE.count(text)));
                }
                if (chunks.isEmpty()) {
                    throw new InvalidInputException(file + ": record " + (i + 1) + " has no passages");
                }
                try (ChunkIndex index = options.newIndex(e)) {
                    index.add(chunks, dev.memorag.api.ProgressListener.NONE);
                    List<Hit> hits = index.retrieve(query, 5);
                    String g = gold.asText();
                    if (!hits.isEmpty() && hits.get(0).chunk().id().equals(g)) {
                        r1++;
                    }
                    if (hits.stream().anyMatch(h -> h.chunk().id().equals(g))) {
                        r5++;
                    }
                }
            }
        }
        ObjectNode r = RetrievalEvalSupport.JSON.createObjectNode();
        r.put("retriever", options.retriever);
        r.put("embedder", embedderId);
        r.put("questions", rows.size());
        ObjectNode recall = r.putObject("recall");
        recall.put("1", RetrievalEvalSupport.round((double) r1 / rows.size()));
        recall.put("5", RetrievalEvalSupport.round((double) r5 / rows.size()));
        r.put("seconds", RetrievalEvalSupport.round((System.nanoTime() - t0) / 1e9));
        RetrievalEvalSupport.report(spec.commandLine().getOut(), r, options.out);
    }
}

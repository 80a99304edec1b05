package dev.memorag.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.retrieval.embed.Embedders;
import dev.memorag.retrieval.graph.ExtractionResult;
import dev.memorag.retrieval.graph.GraphChunkIndex;
import dev.memorag.retrieval.graph.GraphRetrieval;
import dev.memorag.retrieval.graph.PrecomputedExtractions;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag eval graph}: HippoRAG-2 graph retrieval on a multi-hop corpus with precomputed OpenIE triples,
 * scored as ../shared/eval/README.md says (Recall@k = |top-k ∩ gold| / |gold|, averaged), with the same embedder's
 * dense retrieval as the baseline. Prints the retrieval report shape (plus graph details), also written with --out.
 */
@Command(name = "graph", mixinStandardHelpOptions = true,
        description = "Graph (HippoRAG 2) retrieval recall on a multi-hop corpus (JSON report).")
public final class EvalGraphCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--corpus", required = true, description = "Corpus JSONL: {\"id\",\"title\",\"text\"} per line.")
    Path corpus;

    @Option(names = "--questions", required = true,
            description = "Questions JSONL: {\"question\",\"gold_passage_ids\"} per line.")
    Path questions;

    @Option(names = "--openie", required = true, description = "HippoRAG OpenIE JSON with the corpus' triples.")
    Path openie;

    @Option(names = "--embedder", defaultValue = Embedders.BGE_SMALL_EN,
            description = "Embedder reference (default ${DEFAULT-VALUE}, offline).")
    String embedderRef;

    @Option(names = "--k", split = ",", defaultValue = "1,2,5,10,20", description = "Cut-offs (default ${DEFAULT-VALUE}).")
    List<Integer> ks;

    @Option(names = "--save", description = "Also save the built graph index into this directory.")
    Path save;

    @Option(names = "--out", description = "Also write the JSON report to this file.")
    Path out;

    @Override
    public Integer call() throws IOException {
        for (int k : ks) {
            if (k <= 0) {
                throw new InvalidInputException("--k values must be > 0, got " + k);
            }
        }
        List<Chunk> chunks = readCorpus(corpus);
        List<String> qs = new ArrayList<>();
        List<Set<String>> gold = new ArrayList<>();
        readQuestions(questions, qs, gold);
        int maxK = ks.stream().mapToInt(Integer::intValue).max().orElse(20);
        long t0 = System.nanoTime();
        try (Embedder embedder = embedder(embedderRef);
                GraphChunkIndex index = GraphChunkIndex.builder(embedder)
                        .extractor(PrecomputedExtractions.fromOpenIe(openie)).allowFailedExtractions(true).build()) {
            index.add(chunks, new StderrProgress());
            int failed = 0;
            for (ExtractionResult r : index.lastExtraction()) {
                if (r.status() == ExtractionResult.Status.FAILED) {
                    failed++;
                }
            }
            double indexSeconds = (System.nanoTime() - t0) / 1e9;
            if (save != null) {
                index.save(save);
            }
            long t1 = System.nanoTime();
            List<GraphRetrieval> results = index.retrieveDetailed(qs, maxK);
            double querySeconds = (System.nanoTime() - t1) / 1e9;
            List<List<Hit>> graphHits = new ArrayList<>();
            int fallbacks = 0;
            for (GraphRetrieval r : results) {
                graphHits.add(r.hits());
                fallbacks += r.denseFallback() ? 1 : 0;
            }
            List<List<Hit>> denseHits = index.denseAll(qs, maxK);
            ObjectNode report = JSON.createObjectNode();
            report.put("retriever", "graph");
            report.put("embedder", embedder.id());
            report.put("questions", qs.size());
            report.set("recall", recall(graphHits, gold));
            report.set("dense_recall", recall(denseHits, gold));
            report.put("seconds", round((System.nanoTime() - t0) / 1e9));
            report.put("index_seconds", round(indexSeconds));
            report.put("query_ms", round(querySeconds * 1000 / Math.max(1, qs.size())));
            report.put("dense_fallbacks", fallbacks);
            report.put("passages_without_extraction", failed);
            report.put("graph", index.describe());
            report.put("filter", "none");
            String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
            System.out.println(text);
            if (out != null) {
                Files.writeString(out, text + "\n");
            }
        }
        return 0;
    }

    /** Prints a line to stderr when a stage starts and at every further 10% of it. */
    private static final class StderrProgress implements dev.memorag.api.ProgressListener {
        private String stage = "";
        private long lastTenth = -1;

        @Override
        public synchronized void onProgress(String s, long done, long total) {
            long tenth = total > 0 ? done * 10 / total : -1;
            if (!s.equals(stage) || tenth > lastTenth) {
                System.err.println(s + ": " + done + (total > 0 ? "/" + total : ""));
                stage = s;
                lastTenth = tenth;
            }
        }
    }

    private ObjectNode recall(List<List<Hit>> hits, List<Set<String>> gold) {
        ObjectNode r = JSON.createObjectNode();
        for (int k : ks) {
            double sum = 0;
            for (int q = 0; q < hits.size(); q++) {
                Set<String> top = new HashSet<>();
                for (Hit h : hits.get(q).subList(0, Math.min(k, hits.get(q).size()))) {
                    top.add(h.chunk().id());
                }
                top.retainAll(gold.get(q));
                sum += (double) top.size() / gold.get(q).size();
            }
            r.put(String.valueOf(k), round(sum / hits.size(), 4));
        }
        return r;
    }

    static Embedder embedder(String ref) {
        if (Embedders.BGE_SMALL_EN.equals(ref) || Embedders.BGE_SMALL_ZH.equals(ref)) {
            return Embedders.bundled(ref).build();
        }
        return Providers.embedder(ref, ProviderOptions.EMPTY);
    }

    static List<Chunk> readCorpus(Path file) throws IOException {
        List<Chunk> out = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        List<String> lines = readLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode n = parseLine(file, i, lines.get(i));
            String id = n.path("id").asText("");
            if (id.isEmpty() || !ids.add(id)) {
                throw new InvalidInputException(file + " line " + (i + 1) + ": field 'id' is missing or repeated: '"
                        + id + "'");
            }
            String text = n.path("title").asText("") + "\n" + n.path("text").asText("");
            out.add(new Chunk(id, id, text, 0, text.length(), 0));
        }
        if (out.isEmpty()) {
            throw new InvalidInputException(file + ": corpus is empty");
        }
        return out;
    }

    static void readQuestions(Path file, List<String> qs, List<Set<String>> gold) throws IOException {
        List<String> lines = readLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode n = parseLine(file, i, lines.get(i));
            String q = n.path("question").asText("");
            Set<String> g = new HashSet<>();
            n.path("gold_passage_ids").forEach(x -> g.add(x.asText()));
            if (q.isBlank() || g.isEmpty()) {
                throw new InvalidInputException(file + " line " + (i + 1)
                        + ": fields 'question' and 'gold_passage_ids' must be non-empty");
            }
            qs.add(q);
            gold.add(g);
        }
        if (qs.isEmpty()) {
            throw new InvalidInputException(file + ": no questions");
        }
    }

    private static List<String> readLines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("file not found: " + file);
        }
        return Files.readAllLines(file);
    }

    private static JsonNode parseLine(Path file, int i, String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new InvalidInputException(file + " line " + (i + 1) + ": not valid JSON");
        }
    }

    private static double round(double v) {
        return round(v, 2);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}

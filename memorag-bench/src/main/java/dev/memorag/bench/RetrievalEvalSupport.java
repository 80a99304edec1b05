package dev.memorag.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.retrieval.chunks.Bm25ChunkIndex;
import dev.memorag.retrieval.chunks.DenseChunkIndex;
import dev.memorag.retrieval.chunks.HybridChunkIndex;
import dev.memorag.retrieval.chunks.HybridFusion;
import dev.memorag.retrieval.chunks.SubWindows;
import dev.memorag.retrieval.chunks.VectorIndexType;
import dev.memorag.retrieval.embed.Embedders;
import dev.memorag.retrieval.graph.GraphChunkIndex;
import dev.memorag.retrieval.graph.PrecomputedExtractions;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** Options and helpers shared by the retrieval evaluations (not a command itself). */
final class RetrievalEvalSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private RetrievalEvalSupport() {
    }

    /** The retriever options every retrieval evaluation takes (a picocli mixin). */
    static final class RetrieverOptions {
        @Option(names = "--retriever", defaultValue = "hybrid",
                description = "dense, bm25, hybrid or graph (default: ${DEFAULT-VALUE})")
        String retriever;

        @Option(names = "--embedder", description = "embedder reference (default: the bundled BGE-small model for the"
                + " data's language)")
        String embedder;

        @Option(names = "--vector-index", defaultValue = "flat", description = "flat (exact) or hnsw")
        String vectorIndex;

        @Option(names = "--fusion", defaultValue = "zscore", description = "hybrid fusion: zscore (default) or rrf")
        String fusion;

        @Option(names = "--dense-weight", description = "hybrid dense weight (default 0.7 for zscore, 0.5 for rrf)")
        Double denseWeight;

        @Option(names = "--no-windows", description = "embed each chunk as one vector (no sub-window scoring)")
        boolean noWindows;

        @Option(names = "--out", description = "also write the JSON report to this file")
        Path out;

        @Option(names = "--cache-dir", description = "cache embeddings in this directory (repeated runs skip the model)")
        Path cacheDir;

        @Option(names = "--openie", description = "graph: HippoRAG OpenIE JSON with the corpus' precomputed triples")
        Path openie;

        ChunkIndexKind kind() {
            try {
                return ChunkIndexKind.valueOf(retriever.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("--retriever must be dense, bm25, hybrid or graph, was '" + retriever
                        + "'");
            }
        }

        /** The embedder (null for BM25). */
        Embedder openEmbedder(String defaultReference) {
            if (kind() == ChunkIndexKind.BM25) {
                return null;
            }
            Embedder e = Providers.embedder(embedder == null ? defaultReference : embedder, ProviderOptions.EMPTY);
            return cacheDir == null ? e : new dev.memorag.retrieval.embed.CachingEmbedder(e, cacheDir);
        }

        String embedderName(Embedder e) {
            return e == null ? null : e.id();
        }

        ChunkIndex newIndex(Embedder e) {
            SubWindows w = noWindows ? SubWindows.NONE : SubWindows.DEFAULT;
            VectorIndexType t = VectorIndexType.parse(vectorIndex);
            return switch (kind()) {
                case BM25 -> new Bm25ChunkIndex();
                case DENSE -> DenseChunkIndex.builder(e).vectorIndex(t).windows(w).build();
                case HYBRID -> {
                    boolean rrf = fusion.equalsIgnoreCase("rrf");
                    if (!rrf && !fusion.equalsIgnoreCase("zscore")) {
                        throw new InvalidInputException("--fusion must be zscore or rrf, was '" + fusion + "'");
                    }
                    HybridFusion d = HybridFusion.DEFAULT;
                    double weight = denseWeight != null ? denseWeight : rrf ? 0.5 : d.denseWeight();
                    yield HybridChunkIndex.builder(e).vectorIndex(t).windows(w).fusion(new HybridFusion(
                            rrf ? HybridFusion.Method.RRF : HybridFusion.Method.ZSCORE, weight, d.depth(), d.rrfK()))
                            .build();
                }
                case PGVECTOR -> throw new InvalidInputException("--retriever pgvector is not supported here "
                        + "(it needs a server): use `memorag bench index --index pgvector`");
                case GRAPH -> {
                    if (openie == null) {
                        throw new InvalidInputException("--retriever graph needs --openie FILE (precomputed triples)");
                    }
                    // Passages missing from the OpenIE file still become passage nodes (dense-seeded), with a warning.
                    yield GraphChunkIndex.builder(e).extractor(PrecomputedExtractions.fromOpenIe(openie))
                            .allowFailedExtractions(true).build();
                }
            };
        }
    }

    /** Reads a JSON-lines file; a bad line fails naming the file and line number. Blank lines are skipped. */
    static List<JsonNode> readJsonl(Path file, String what) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(what + " file not found: " + file);
        } catch (IOException e) {
            throw new StorageException("cannot read " + what + " file " + file + ": " + e.getMessage());
        }
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(l);
                if (n == null || !n.isObject()) {
                    throw new InvalidInputException(file + ": line " + (i + 1) + " is not a JSON object");
                }
                out.add(n);
            } catch (JsonProcessingException e) {
                throw new InvalidInputException(file + ": line " + (i + 1) + " is not valid JSON: "
                        + e.getOriginalMessage());
            }
        }
        if (out.isEmpty()) {
            throw new InvalidInputException(what + " file " + file + " is empty");
        }
        return out;
    }

    /** A required non-blank text field. */
    static String text(JsonNode n, Path file, int index, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new InvalidInputException(file + ": record " + (index + 1) + " has no non-empty '" + field
                    + "' field");
        }
        return v.asText();
    }

    /** Parses "1,2,5". */
    static int[] ks(String s) {
        try {
            int[] k = java.util.Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            for (int x : k) {
                if (x <= 0) {
                    throw new NumberFormatException();
                }
            }
            return k;
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--k must be a comma-separated list of positive integers, was '" + s + "'");
        }
    }

    /** How much of question {@code q}'s gold evidence the top hits cover, from 0 to 1. */
    @FunctionalInterface
    interface RecallScorer {
        double score(int q, List<Hit> top);
    }

    /**
     * Indexes {@code chunks} with the chosen retriever, retrieves every query and averages {@code scorer} over the
     * questions at each cut-off. The report holds retriever, embedder, questions, what {@code details} adds, recall
     * per cut-off and the seconds spent indexing and retrieving.
     */
    static ObjectNode recallReport(RetrieverOptions options, List<Chunk> chunks, List<String> queries, int[] ks,
            RecallScorer scorer, Consumer<ObjectNode> details) {
        long t0 = System.nanoTime();
        int maxK = java.util.Arrays.stream(ks).max().orElse(1);
        double[] sums = new double[ks.length];
        String embedderId;
        try (Embedder e = options.openEmbedder(Embedders.BGE_SMALL_EN); ChunkIndex index = options.newIndex(e)) {
            embedderId = options.embedderName(e);
            index.add(chunks, ProgressListener.NONE);
            List<List<Hit>> results = index.retrieveAll(queries, maxK);
            for (int q = 0; q < queries.size(); q++) {
                List<Hit> hits = results.get(q);
                for (int j = 0; j < ks.length; j++) {
                    sums[j] += scorer.score(q, hits.subList(0, Math.min(ks[j], hits.size())));
                }
            }
        }
        ObjectNode r = JSON.createObjectNode();
        r.put("retriever", options.retriever);
        r.put("embedder", embedderId);
        r.put("questions", queries.size());
        details.accept(r);
        ObjectNode recall = r.putObject("recall");
        for (int j = 0; j < ks.length; j++) {
            recall.put(Integer.toString(ks[j]), round(sums[j] / queries.size()));
        }
        r.put("seconds", round((System.nanoTime() - t0) / 1e9));
        return r;
    }

    /** Prints the report and writes it to {@code out} when given. */
    static void report(PrintWriter stdout, ObjectNode report, Path out) {
        try {
            String s = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
            stdout.println(s);
            stdout.flush();
            if (out != null) {
                Files.writeString(out, s + "\n");
            }
        } catch (IOException e) {
            throw new StorageException("cannot write report to " + out + ": " + e.getMessage());
        }
    }

    /** Rounds to 4 decimals for the report. */
    static double round(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }
}

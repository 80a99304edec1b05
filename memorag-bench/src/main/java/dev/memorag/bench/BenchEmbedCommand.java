package dev.memorag.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.retrieval.embed.Embedders;
import dev.memorag.retrieval.embed.OnnxEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memorag bench embed}: embedding throughput of the bundled ONNX embedder (passages/s and model tokens/s). */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embedding throughput of the bundled BGE-small ONNX model (prints a JSON report).")
public final class BenchEmbedCommand implements Runnable {
    @Option(names = "--passages", defaultValue = "1000", description = "number of passages (default: ${DEFAULT-VALUE})")
    int passages;

    @Option(names = "--corpus", description = "corpus JSONL {\"title\",\"text\"} to take passages from (default:"
            + " synthetic seeded text)")
    Path corpus;

    @Option(names = "--model", defaultValue = Embedders.BGE_SMALL_EN, description = "bundled model name")
    String model;

    @Option(names = "--batch", defaultValue = "16", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--no-sort", description = "keep input order (a plain loop) instead of length-sorted batches")
    boolean noSort;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime threads (0 = its default)")
    int threads;

    @Option(names = "--json", description = "print JSON (the only format; accepted for compatibility)")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        List<String> texts = new ArrayList<>();
        if (corpus != null) {
            List<JsonNode> docs = RetrievalEvalSupport.readJsonl(corpus, "corpus");
            for (int i = 0; i < docs.size() && texts.size() < passages; i++) {
                texts.add(docs.get(i).path("title").asText("") + "\n"
                        + RetrievalEvalSupport.text(docs.get(i), corpus, i, "text"));
            }
        } else {
            texts.addAll(synthetic(passages, 42));
        }
        try (OnnxEmbedder e = Embedders.bundled(model).batchSize(batch).sortByLength(!noSort).threads(threads)
                .build()) {
            int[] counts = e.countTokens(texts);
            long tokens = 0;
            for (int c : counts) {
                tokens += c;
            }
            long padded = paddedTokens(counts, batch, !noSort);
            e.embed(texts.subList(0, Math.min(16, texts.size())), EmbedPurpose.PASSAGE);
            long t0 = System.nanoTime();
            e.embed(texts, EmbedPurpose.PASSAGE);
            double s = (System.nanoTime() - t0) / 1e9;
            ObjectNode r = RetrievalEvalSupport.JSON.createObjectNode();
            r.put("embedder", e.id());
            r.put("passages", texts.size());
            r.put("tokens", tokens);
            r.put("batch", batch);
            r.put("length_sorted", !noSort);
            // Tokens the model actually computes (batch x longest row): what length sorting saves.
            r.put("padded_tokens", padded);
            r.put("seconds", RetrievalEvalSupport.round(s));
            r.put("passages_per_second", RetrievalEvalSupport.round(texts.size() / s));
            r.put("tokens_per_second", Math.round(tokens / s));
            RetrievalEvalSupport.report(spec.commandLine().getOut(), r, null);
        }
    }

    static long paddedTokens(int[] counts, int batch, boolean sorted) {
        int[] c = counts.clone();
        if (sorted) {
            java.util.Arrays.sort(c);
        }
        long total = 0;
        for (int s = 0; s < c.length; s += batch) {
            int max = 0;
            int n = Math.min(batch, c.length - s);
            for (int i = s; i < s + n; i++) {
                max = Math.max(max, c[i]);
            }
            total += (long) max * n;
        }
        return total;
    }

    /** Seeded passages of 20 to 250 words, so lengths vary as in a real corpus. */
    static List<String> synthetic(int n, long seed) {
        String[] words = ("the of and to in is was for on as with by he at from his an were are which this be or "
                + "river city king war music science island company film school church team village army history "
                + "population county season album station league university family government species").split(" ");
        Random rnd = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = 20 + rnd.nextInt(231);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < len; w++) {
                sb.append(words[rnd.nextInt(words.length)]).append(w % 12 == 11 ? ". " : " ");
            }
            out.add(sb.toString().trim());
        }
        return out;
    }
}

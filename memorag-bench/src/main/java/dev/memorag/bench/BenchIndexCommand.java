package dev.memorag.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.api.ScoredId;
import dev.memorag.retrieval.index.FlatIndex;
import dev.memorag.retrieval.index.HnswIndex;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag bench index}: build time and query throughput of the exact flat index and of HNSW, with HNSW's
 * recall@10 against exact search, on seeded unit vectors (clustered like real embeddings by default).
 */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Flat vs HNSW vector index benchmark (prints a JSON report).")
public final class BenchIndexCommand implements Runnable {
    @Option(names = "--vectors", defaultValue = "100000", description = "index size (default: ${DEFAULT-VALUE})")
    int vectors;

    @Option(names = "--dim", defaultValue = "384", description = "dimension (default: ${DEFAULT-VALUE})")
    int dim;

    @Option(names = "--queries", defaultValue = "1000", description = "queries (default: ${DEFAULT-VALUE})")
    int queries;

    @Option(names = "--k", defaultValue = "10", description = "neighbours per query (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--ef", defaultValue = "20,50,100", split = ",",
            description = "HNSW search beams to measure, comma-separated (default: ${DEFAULT-VALUE})")
    int[] ef;

    @Option(names = "--data", defaultValue = "clustered",
            description = "clustered (1,000 Gaussian clusters, like embeddings) or uniform (default: ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--index", defaultValue = "both",
            description = "flat, hnsw or both; HNSW recall needs flat (default: ${DEFAULT-VALUE})")
    String index;

    @Option(names = "--seed", defaultValue = "7", description = "random seed")
    long seed;

    @Option(names = "--json", description = "print JSON (the only format; accepted for compatibility)")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        Random rnd = new Random(seed);
        boolean clustered = !"uniform".equalsIgnoreCase(data);
        float[][] centers = clustered ? randomUnit(rnd, 1000, dim, null, 0) : null;
        float[][] base = randomUnit(rnd, vectors, dim, centers, 0.6f);
        float[][] qs = randomUnit(rnd, queries, dim, centers, 0.6f);
        long[] ids = new long[vectors];
        for (int i = 0; i < vectors; i++) {
            ids[i] = i;
        }
        ObjectNode r = RetrievalEvalSupport.JSON.createObjectNode();
        r.put("vectors", vectors);
        r.put("dim", dim);
        r.put("queries", queries);
        r.put("k", k);
        r.put("data", clustered ? "clustered" : "uniform");
        List<Set<Long>> truth = new java.util.ArrayList<>();
        try (FlatIndex flat = new FlatIndex(dim, FlatIndex.device("auto"))) {
            long t0 = System.nanoTime();
            flat.add(ids, base);
            flat.search(qs[0], k);
            double build = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            for (float[] q : qs) {
                Set<Long> s = new HashSet<>();
                for (ScoredId h : flat.search(q, k)) {
                    s.add(h.id());
                }
                truth.add(s);
            }
            double secs = (System.nanoTime() - t1) / 1e9;
            ObjectNode f = r.putObject("flat");
            f.put("build_seconds", RetrievalEvalSupport.round(build));
            f.put("queries_per_second", RetrievalEvalSupport.round(queries / secs));
            f.put("ms_per_query", RetrievalEvalSupport.round(secs * 1000 / queries));
        }
        if ("flat".equalsIgnoreCase(index)) {
            RetrievalEvalSupport.report(spec.commandLine().getOut(), r, null);
            return;
        }
        try (HnswIndex hnsw = HnswIndex.builder(dim).build()) {
            long t0 = System.nanoTime();
            hnsw.add(ids, base);
            double build = (System.nanoTime() - t0) / 1e9;
            ObjectNode h = r.putObject("hnsw");
            h.put("build_seconds", RetrievalEvalSupport.round(build));
            var runs = h.putArray("runs");
            for (int beam : ef) {
                for (int i = 0; i < Math.min(100, queries); i++) {
                    hnsw.search(qs[i], k, beam);
                }
                long t1 = System.nanoTime();
                long found = 0;
                for (int i = 0; i < queries; i++) {
                    for (ScoredId hit : hnsw.search(qs[i], k, beam)) {
                        if (truth.get(i).contains(hit.id())) {
                            found++;
                        }
                    }
                }
                double secs = (System.nanoTime() - t1) / 1e9;
                ObjectNode run = runs.addObject();
                run.put("ef_search", beam);
                run.put("queries_per_second", RetrievalEvalSupport.round(queries / secs));
                run.put("ms_per_query", RetrievalEvalSupport.round(secs * 1000 / queries));
                run.put("recall_at_k", RetrievalEvalSupport.round((double) found / ((long) queries * k)));
            }
        }
        RetrievalEvalSupport.report(spec.commandLine().getOut(), r, null);
    }

    /** Unit vectors: uniform on the sphere, or a random center plus Gaussian noise of the given scale. */
    private static float[][] randomUnit(Random rnd, int n, int dim, float[][] centers, float noise) {
        float[][] out = new float[n][dim];
        for (float[] v : out) {
            float[] c = centers == null ? null : centers[rnd.nextInt(centers.length)];
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                double g = rnd.nextGaussian();
                v[d] = (float) (c == null ? g : c[d] + noise * g / Math.sqrt(dim));
                norm += (double) v[d] * v[d];
            }
            float inv = (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < dim; d++) {
                v[d] *= inv;
            }
        }
        return out;
    }
}

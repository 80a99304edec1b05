package dev.memorag.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.api.Chunk;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.ScoredId;
import dev.memorag.error.InvalidInputException;
import dev.memorag.pgvector.PgVectorChunkIndex;
import dev.memorag.pgvector.PgVectorConfig;
import dev.memorag.retrieval.index.FlatIndex;
import dev.memorag.retrieval.index.HnswIndex;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.store.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag bench index}: build time and query throughput of the exact flat index, of HNSW and of the pgvector
 * chunk index (a PostgreSQL server named by {@code --index-option url=...}), with the approximate indexes' recall@k
 * against exact search, on seeded unit vectors (clustered like real embeddings by default). The pgvector run goes
 * through the real {@link PgVectorChunkIndex} (COPY, commit with the HNSW build, one SQL round trip per query plus
 * the chunk fetch); its "embedder" looks the seeded vectors up by chunk text.
 */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Flat vs HNSW vs pgvector vector index benchmark (prints a JSON report).")
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

    @Option(names = "--index", defaultValue = "both", split = ",",
            description = "comma-separated: flat, hnsw, pgvector; both = flat,hnsw; all = flat,hnsw,pgvector. Exact "
                    + "flat search always runs (it is the recall reference) (default: ${DEFAULT-VALUE})")
    List<String> index;

    @Option(names = "--index-option", paramLabel = "KEY=VALUE",
            description = "pgvector options as for `memorag --index pgvector` (url=... is required; defaults here: "
                    + "schema memorag_bench, namespace bench_<vectors>, search dense, windows false)")
    Map<String, String> indexOptions = new LinkedHashMap<>();

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
        Set<String> kinds = kinds();
        if (kinds.contains("hnsw")) {
            hnsw(r, ids, base, qs, truth);
        }
        if (kinds.contains("pgvector")) {
            pgvector(r, base, qs, truth);
        }
        RetrievalEvalSupport.report(spec.commandLine().getOut(), r, null);
    }

    private Set<String> kinds() {
        Set<String> out = new HashSet<>();
        for (String i : index) {
            switch (i.trim().toLowerCase(Locale.ROOT)) {
                case "both" -> out.addAll(List.of("flat", "hnsw"));
                case "all" -> out.addAll(List.of("flat", "hnsw", "pgvector"));
                case "flat", "hnsw", "pgvector" -> out.add(i.trim().toLowerCase(Locale.ROOT));
                default -> throw new InvalidInputException("--index must list flat, hnsw, pgvector, both or all; was '"
                        + i + "'");
            }
        }
        return out;
    }

    private void hnsw(ObjectNode r, long[] ids, float[][] base, float[][] qs, List<Set<Long>> truth) {
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
    }

    private void pgvector(ObjectNode r, float[][] base, float[][] qs, List<Set<Long>> truth) {
        ProviderOptions o = new ProviderOptions(indexOptions).with(PgVectorConfig.SCHEMA,
                indexOptions.getOrDefault(PgVectorConfig.SCHEMA, "memorag_bench"))
                .with(PgVectorConfig.NAMESPACE, indexOptions.getOrDefault(PgVectorConfig.NAMESPACE, "bench_" + vectors))
                .with(PgVectorConfig.SEARCH, indexOptions.getOrDefault(PgVectorConfig.SEARCH, "dense"))
                .with(PgVectorConfig.WINDOWS, indexOptions.getOrDefault(PgVectorConfig.WINDOWS, "false"));
        PgVectorConfig config = PgVectorConfig.fromOptions(o);
        Embedder lookup = new SeededVectors(base, qs, seed);
        List<Chunk> chunks = new ArrayList<>(vectors);
        for (int i = 0; i < vectors; i++) {
            String t = "v" + i;
            chunks.add(new Chunk(t, "d" + i / 1000, t, 0, t.length(), 1));
        }
        Path saved;
        try {
            saved = Files.createTempDirectory("memorag-bench-pgvector");
        } catch (IOException e) {
            throw new InvalidInputException("cannot create a temporary directory: " + e.getMessage(), e);
        }
        ObjectNode p = r.putObject("pgvector");
        p.put("hnsw_m", config.hnswM());
        p.put("hnsw_ef_construction", config.hnswEfConstruction());
        p.put("search", config.search().name().toLowerCase(Locale.ROOT));
        try {
            long t0 = System.nanoTime();
            try (PgVectorChunkIndex idx = PgVectorChunkIndex.create(config, lookup)) {
                idx.add(chunks, ProgressListener.NONE);
                long t1 = System.nanoTime();
                idx.save(saved);
                long t2 = System.nanoTime();
                p.put("insert_seconds", RetrievalEvalSupport.round((t1 - t0) / 1e9));
                p.put("hnsw_build_seconds", RetrievalEvalSupport.round((t2 - t1) / 1e9));
                p.put("build_seconds", RetrievalEvalSupport.round((t2 - t0) / 1e9));
            }
            try (PgVectorChunkIndex idx = PgVectorChunkIndex.load(saved, lookup)) {
                var runs = p.putArray("runs");
                for (int beam : ef) {
                    idx.efSearch(beam);
                    for (int i = 0; i < Math.min(100, queries); i++) {
                        idx.retrieve("q" + i, k);
                    }
                    long t1 = System.nanoTime();
                    long found = 0;
                    for (int i = 0; i < queries; i++) {
                        for (Hit hit : idx.retrieve("q" + i, k)) {
                            if (truth.get(i).contains(Long.parseLong(hit.chunk().id().substring(1)))) {
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
        } finally {
            try {
                FileTrees.deleteRecursively(saved);
            } catch (IOException e) {
                spec.commandLine().getErr().println("could not delete " + saved + ": " + e.getMessage());
            }
        }
    }

    /**
     * The benchmark's vectors as an "embedder": chunk text {@code v<i>} is base vector i, query {@code q<i>} query
     * vector i, so the pgvector run measures the store, not a model.
     */
    private static final class SeededVectors implements Embedder {
        private final float[][] base;
        private final float[][] queries;
        private final long seed;

        SeededVectors(float[][] base, float[][] queries, long seed) {
            this.base = base;
            this.queries = queries;
            this.seed = seed;
        }

        @Override
        public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                String t = texts.get(i);
                int n = Integer.parseInt(t.substring(1));
                out[i] = t.charAt(0) == 'q' ? queries[n] : base[n];
            }
            return out;
        }

        @Override
        public int dimension() {
            return base[0].length;
        }

        @Override
        public String id() {
            return "bench-seeded-" + seed + "-" + base.length;
        }
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

package dev.memorag.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.retrieval.graph.CsrGraph;
import dev.memorag.retrieval.graph.PersonalizedPageRank;
import dev.memorag.retrieval.graph.PprResult;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag bench ppr}: Personalized PageRank latency on a seeded random weighted graph, with a HippoRAG-style
 * reset vector (every node a small dense seed, five strong phrase seeds).
 */
@Command(name = "ppr", mixinStandardHelpOptions = true,
        description = "Personalized PageRank latency on a random graph (JSON report).")
public final class BenchPprCommand implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "100000", description = "Number of nodes (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--edges", defaultValue = "1500000", description = "Number of undirected edges (default ${DEFAULT-VALUE}).")
    int edges;

    @Option(names = "--queries", defaultValue = "20", description = "Measured queries (default ${DEFAULT-VALUE}).")
    int queries;

    @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured warm-up queries (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print only the JSON report.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (nodes < 2 || edges < 1 || queries < 1 || warmup < 0) {
            throw new InvalidInputException("bench ppr needs --nodes >= 2, --edges >= 1, --queries >= 1, --warmup >= 0;"
                    + " got " + nodes + ", " + edges + ", " + queries + ", " + warmup);
        }
        Random rnd = new Random(seed);
        int[] from = new int[edges];
        int[] to = new int[edges];
        double[] w = new double[edges];
        for (int e = 0; e < edges; e++) {
            from[e] = rnd.nextInt(nodes);
            to[e] = rnd.nextInt(nodes);
            w[e] = 0.1 + rnd.nextDouble();
        }
        long t0 = System.nanoTime();
        CsrGraph g = CsrGraph.fromEdges(nodes, from, to, w, edges);
        double buildMs = (System.nanoTime() - t0) / 1e6;
        PersonalizedPageRank ppr = PersonalizedPageRank.builder().build();
        double[] ms = new double[queries];
        double[] cpuMs = new double[queries];
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int sweeps = 0;
        for (int q = -warmup; q < queries; q++) {
            double[] reset = new double[nodes];
            for (int i = 0; i < nodes; i++) {
                reset[i] = 0.05 * rnd.nextDouble();
            }
            for (int i = 0; i < 5; i++) {
                reset[rnd.nextInt(nodes)] += 1;
            }
            long c = threads.getCurrentThreadCpuTime();
            long t = System.nanoTime();
            PprResult r = ppr.run(g, reset);
            if (q >= 0) {
                ms[q] = (System.nanoTime() - t) / 1e6;
                // CPU time of this thread: what the query costs when other processes compete for the cores.
                cpuMs[q] = (threads.getCurrentThreadCpuTime() - c) / 1e6;
                sweeps = r.iterations();
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("benchmark", "ppr");
        out.put("nodes", nodes);
        out.put("edges", edges);
        out.put("csr_entries", g.entryCount());
        out.put("damping", ppr.damping());
        out.put("build_ms", round(buildMs));
        out.put("queries", queries);
        out.put("sweeps_per_query", sweeps);
        out.put("mean_ms", round(Arrays.stream(ms).average().orElse(0)));
        out.put("p50_ms", round(sorted[sorted.length / 2]));
        out.put("max_ms", round(sorted[sorted.length - 1]));
        out.put("mean_cpu_ms", round(Arrays.stream(cpuMs).average().orElse(0)));
        out.put("java", System.getProperty("java.version"));
        String text = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out);
        if (!json) {
            System.out.println("Personalized PageRank, " + nodes + " nodes, " + edges + " edges:");
        }
        System.out.println(text);
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}

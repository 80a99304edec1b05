package dev.memorag.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.memory.lm.CausalLm;
import dev.memorag.memory.lm.ModelConfig;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.lm.quant.Int8Kernels;
import dev.memorag.memory.lm.Sampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag bench llm}: prefill throughput, greedy decode latency and peak RSS of a local checkpoint, plus the
 * memory-bandwidth bound for decoding (weight bytes read per token over a measured Java copy bandwidth).
 */
@Command(name = "llm", mixinStandardHelpOptions = true,
        description = "Benchmark prefill tokens/s, decode ms/token and peak RSS of a local checkpoint (JSON).")
public final class LlmBenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint directory.")
    Path model;

    @Option(names = "--prompt-tokens", defaultValue = "512", description = "Prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "64", description = "Decoded tokens (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", description = "fp32, fp16 or int8 (default: fp32 on CPU, fp16 on CUDA; int8 is CPU only).")
    String dtype;

    @Option(names = "--prefill-chunk", defaultValue = "512", description = "Prefill slice (default ${DEFAULT-VALUE}).")
    int prefillChunk;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random prompt (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print JSON (the default; kept for symmetry with other benches).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (promptTokens <= 0 || newTokens <= 0) {
            throw new InvalidInputException("--prompt-tokens and --new-tokens must be > 0");
        }
        String loadBefore = ProcessStats.loadAverage();
        long t0 = System.nanoTime();
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode out = m.createObjectNode();
        try (CausalLm lm = CausalLm.load(model, RuntimeOptions.of(device, dtype)
                .withPrefillChunk(prefillChunk))) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            ModelConfig c = lm.config();
            SplittableRandom r = new SplittableRandom(seed);
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = r.nextInt(Math.min(c.vocabSize(), 32000));
            }
            // Warm-up: one short prefill and a few steps, so one-time native initialisation is not timed.
            try (CausalLm.Session s = lm.newSession(1)) {
                float[] l = s.prefill(java.util.Arrays.copyOf(prompt, Math.min(16, prompt.length)));
                for (int i = 0; i < 3; i++) {
                    l = s.step(Sampler.argmax(l));
                }
            }
            double prefillMs;
            double decodeMs;
            double prefillCpuMs;
            java.util.List<Integer> generated = new java.util.ArrayList<>();
            double decodeCpuMs;
            try (CausalLm.Session s = lm.newSession(1)) {
                long c0 = ProcessStats.processCpuNanos();
                long p0 = System.nanoTime();
                float[] logits = s.prefill(prompt);
                prefillMs = (System.nanoTime() - p0) / 1e6;
                long c1 = ProcessStats.processCpuNanos();
                long d0 = System.nanoTime();
                for (int i = 0; i < newTokens; i++) {
                    int next = Sampler.argmax(logits);
                    generated.add(next);
                    logits = s.step(next);
                }
                decodeMs = (System.nanoTime() - d0) / 1e6;
                prefillCpuMs = (c1 - c0) / 1e6;
                decodeCpuMs = (ProcessStats.processCpuNanos() - c1) / 1e6;
            }
            long weightBytes = (long) (c.parametersReadPerToken() * lm.decoder().plan().weightBytesPerParameter());
            // Peak RSS first: the bandwidth probe's own arrays must not count.
            long rss = ProcessStats.peakRssBytes();
            long peakRss = rss < 0 ? -1 : rss >> 20;
            double bandwidth = copyBandwidth();
            out.put("model", model.toString());
            out.put("family", c.family().modelType());
            out.put("parameters", c.parameterCount());
            out.put("device", lm.decoder().device().toString());
            out.put("dtype", lm.decoder().plan().precision().cliName());
            out.put("kernel", lm.decoder().plan().int8() ? Int8Kernels.kernelName() : "pytorch");
            out.put("threads", Runtime.getRuntime().availableProcessors());
            out.put("load_seconds", round(loadSeconds));
            out.put("prompt_tokens", promptTokens);
            out.put("prefill_chunk", prefillChunk);
            out.put("prefill_ms", round(prefillMs));
            out.put("prefill_tokens_per_s", round(promptTokens / (prefillMs / 1000)));
            out.put("prefill_cpu_ms", round(prefillCpuMs));
            out.put("new_tokens", newTokens);
            out.put("decode_ms_per_token", round(decodeMs / newTokens));
            out.put("decode_tokens_per_s", round(newTokens / (decodeMs / 1000)));
            out.put("decode_cpu_ms_per_token", round(decodeCpuMs / newTokens));
            generated.forEach(out.putArray("greedy_tokens")::add);
            out.put("weight_bytes_read_per_token", weightBytes);
            out.put("copy_bandwidth_gb_per_s", round(bandwidth / 1e9));
            out.put("copy_bandwidth_note", "bytes read + written per second by parallel System.arraycopy");
            out.put("bandwidth_bound_ms_per_token", round(weightBytes / bandwidth * 1000));
            out.put("peak_rss_mb", peakRss);
            out.put("load_average_before", loadBefore);
            out.put("load_average_after", ProcessStats.loadAverage());
        }
        spec.commandLine().getOut().println(m.writeValueAsString(out));
        return 0;
    }

    /**
     * Memory bandwidth from large {@code System.arraycopy}s, one per core on disjoint halves: bytes moved (read plus
     * written) per second, best of five 512 MiB copies.
     */
    static double copyBandwidth() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        int n = 128 << 20;
        float[] a = new float[n];
        float[] b = new float[n];
        java.util.Arrays.fill(a, 1f);
        int per = n / threads;
        long best = Long.MAX_VALUE;
        for (int rep = 0; rep < 6; rep++) {
            Thread[] ts = new Thread[threads];
            long t = System.nanoTime();
            for (int i = 0; i < threads; i++) {
                int from = i * per;
                ts[i] = new Thread(() -> System.arraycopy(a, from, b, from, per));
                ts[i].start();
            }
            for (Thread th : ts) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Double.NaN;
                }
            }
            long el = System.nanoTime() - t;
            if (rep > 0) {
                best = Math.min(best, el);
            }
        }
        return 2.0 * per * threads * 4 / (best / 1e9);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}

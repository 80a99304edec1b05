import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import java.io.File;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Same protocol as `memorag bench llm`: random prompt ids (SplittableRandom(seed).nextInt(min(vocab,32000))), warm-up,
 * prefill, greedy decode. Args: model dir, prompt tokens, new tokens, seed, mode: F32 (default), Q8 or Q4 (weights
 * quantised by Jlama's own quantizeModel into a sibling directory first; Q8 keeps F32 activations, Q4 quantises them to
 * I8, its fast path).
 */
public class JlamaBench {
    static int argmax(float[] v) { int b = 0; for (int i = 1; i < v.length; i++) if (v[i] > v[b]) b = i; return b; }

    public static void main(String[] args) throws Exception {
        File dir = new File(args[0]);
        int promptTokens = Integer.parseInt(args[1]);
        int newTokens = Integer.parseInt(args[2]);
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        String mode = args.length > 4 ? args[4] : "F32";
        DType working = DType.F32;
        if (!mode.equals("F32")) {
            DType q = mode.equals("Q4") ? DType.Q4 : DType.I8;
            java.nio.file.Path out = java.nio.file.Path.of(dir.getPath() + "-jlama-" + mode.toLowerCase());
            if (!java.nio.file.Files.exists(out)) {
                // quantizeModel copies the model card and fails without one; the random checkpoints have none
                java.nio.file.Path card = dir.toPath().resolve("README.md");
                if (!java.nio.file.Files.exists(card)) {
                    java.nio.file.Files.writeString(card, "random checkpoint\n");
                }
                com.github.tjake.jlama.safetensors.SafeTensorSupport.quantizeModel(dir.toPath(), q, null, null,
                        java.util.Optional.of(out));
            }
            dir = out.toFile();
            // Jlama multiplies I8 weights by F32 activations only (its I8 x I8 batch dot product throws
            // UnsupportedOperationException); Q4 weights take I8 activations, its fastest path.
            working = q == DType.Q4 ? DType.I8 : DType.F32;
        }
        long t0 = System.nanoTime();
        AbstractModel m = ModelSupport.loadModel(dir, DType.F32, working);
        double loadS = (System.nanoTime() - t0) / 1e9;
        int vocab = m.getConfig().vocabularySize;
        SplittableRandom r = new SplittableRandom(seed);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < prompt.length; i++) prompt[i] = r.nextInt(Math.min(vocab, 32000));
        if (System.getenv("PRINT_IDS") != null) { StringBuilder b = new StringBuilder(); for (int p : prompt) b.append(b.length() == 0 ? "" : ",").append(p); System.out.println("IDS " + b); }
        KvBufferCache cache = new KvBufferCache(m);
        {   // warm-up
            KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID());
            AbstractTensor out = m.batchForward(java.util.Arrays.copyOf(prompt, 16), 0, kv);
            int tok = argmax(m.getLogits(out.slice(true, 15)));
            for (int i = 0; i < 3; i++) { out = m.forward(tok, 16 + i, kv, java.util.Optional.empty()); tok = argmax(m.getLogits(out)); }
        }
        KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID());
        long c0 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long p0 = System.nanoTime();
        AbstractTensor out = m.batchForward(prompt, 0, kv);
        float[] logits = m.getLogits(out.slice(true, out.shape().first() - 1));
        double prefillMs = (System.nanoTime() - p0) / 1e6;
        long c1 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long d0 = System.nanoTime();
        StringBuilder toks = new StringBuilder();
        float firstLogit0 = logits[0];
        for (int i = 0; i < newTokens; i++) {
            int tok = argmax(logits);
            toks.append(i == 0 ? "" : ",").append(tok);
            out = m.forward(tok, promptTokens + i, kv, java.util.Optional.empty());
            logits = m.getLogits(out);
        }
        double decodeMs = (System.nanoTime() - d0) / 1e6;
        long c2 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        System.out.printf("{\"prefill_cpu_ms\":%.1f,\"decode_cpu_ms_per_token\":%.3f}%n", (c1 - c0) / 1e6, (c2 - c1) / 1e6 / newTokens);
        System.out.printf("{\"engine\":\"jlama-0.8.4-" + mode + "\",\"load_seconds\":%.3f,\"prompt_tokens\":%d,\"prefill_ms\":%.1f,\"prefill_tokens_per_s\":%.3f,\"new_tokens\":%d,\"decode_ms_per_token\":%.3f,\"load_average\":\"%s\",\"tokens\":[%s],\"first_logit0\":%s}%n",
            loadS, promptTokens, prefillMs, promptTokens / (prefillMs / 1000), newTokens, decodeMs / newTokens,
            new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim(), toks, firstLogit0);
        System.exit(0);
    }
}

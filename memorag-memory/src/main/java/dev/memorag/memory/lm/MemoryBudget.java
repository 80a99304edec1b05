package dev.memorag.memory.lm;

import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What loading and running a model will take, estimated before any weight is read, and the refusal when the machine
 * does not have it: a clear message (what is needed, what is free, which {@code --dtype} or {@code -Xmx} would fit)
 * instead of an {@link OutOfMemoryError} or a native crash halfway through loading.
 *
 * <p>The estimate: weights in the chosen precision (int8: one byte per weight plus an fp16 scale per 32, held on
 * the Java heap; float32/float16 in native memory), the KV cache for {@code kvEntries} positions, the activations of
 * one {@code chunk}-token forward, and a fixed runtime overhead (PyTorch's libraries and allocator, the JVM).
 *
 * <p>Thread-safety: immutable.
 *
 * @param nativeBytes native (off-heap) memory: float weights, KV cache, activations, runtime overhead
 * @param heapBytes Java heap the model needs (int8 weights and their scales)
 * @param weightBytes weights alone (a part of native or heap bytes)
 * @param kvBytes the KV cache alone
 * @param activationBytes activations alone
 */
public record MemoryBudget(long nativeBytes, long heapBytes, long weightBytes, long kvBytes, long activationBytes) {
    /** PyTorch's native libraries and allocator caches plus the JVM's own native memory. */
    static final long RUNTIME_OVERHEAD = 600L << 20;
    /** Heap the rest of the application uses beside int8 weights (tokenizer, buffers). */
    static final long HEAP_HEADROOM = 512L << 20;
    /**
     * G1 stores each large array in whole regions, so int8 weights need about 5% more heap than their bytes (an
     * 8-billion-weight model with 9.6 GB of heap for its 9.1 GB of int8 weights ran out of heap while loading).
     */
    static final double HEAP_OVERHEAD = 1.05;
    /** The smallest share of -Xmx that {@code Runtime.maxMemory()} reports (serial/parallel GC omit a survivor). */
    static final double MAX_MEMORY_SHARE = 0.96;
    /** Int8 weights cost one byte each plus an fp16 scale per block of 32 (GGUF Q8_0's 34 bytes per 32 weights). */
    static final double INT8_BYTES_PER_WEIGHT = 1.0 + 2.0 / 32;

    /**
     * Memory the machine offers. Thread-safety: immutable.
     *
     * @param memAvailable bytes the kernel can give without swapping ({@code MemAvailable}), or -1 when unknown
     * @param heapAvailable bytes the Java heap can still grow to hold ({@code maxMemory - used})
     * @param heapMax {@code Runtime.maxMemory()}
     */
    public record Available(long memAvailable, long heapAvailable, long heapMax) {
        /** Reads {@code /proc/meminfo} and the JVM's heap limits. */
        public static Available probe() {
            Runtime rt = Runtime.getRuntime();
            long used = rt.totalMemory() - rt.freeMemory();
            return new Available(memAvailable(Path.of("/proc/meminfo")), rt.maxMemory() - used, rt.maxMemory());
        }

        /** {@code MemAvailable} of a meminfo file in bytes, or -1 when the file or the line is missing. */
        static long memAvailable(Path meminfo) {
            try {
                for (String line : Files.readAllLines(meminfo)) {
                    if (line.startsWith("MemAvailable:")) {
                        String[] f = line.trim().split("\\s+");
                        return Long.parseLong(f[1]) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return -1;
        }
    }

    /**
     * Estimates the memory of {@code config} run as {@code plan}.
     *
     * @param extraProjectionParams weights beyond the decoder (beacon q/k/v), quantised like the layers
     * @param kvEntries cached positions to budget for (all layers)
     * @param chunk tokens per forward (prefill slice or beacon window)
     */
    public static MemoryBudget estimate(ModelConfig config, RuntimePlan plan, long extraProjectionParams,
            long kvEntries, int chunk) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(plan, "plan");
        if (kvEntries < 0 || chunk <= 0) {
            throw new InvalidInputException("kvEntries must be >= 0 and chunk > 0, were " + kvEntries + ", " + chunk);
        }
        long h = config.hiddenSize();
        long norms = (2L * config.numLayers() + 1) * h;
        long projections = config.parameterCount() - norms + extraProjectionParams;
        int act = plan.activationType().getNumOfBytes();
        long weights;
        long heap;
        if (plan.int8()) {
            heap = (long) Math.ceil(projections * INT8_BYTES_PER_WEIGHT);
            weights = heap + norms * 4;
        } else {
            heap = 0;
            weights = (projections + norms) * act;
        }
        // the beacon keeps a rotated copy of the memory keys beside the pre-RoPE K/V: budget 3 tensors, not 2
        long kv = kvEntries * config.numLayers() * 3L * config.numKvHeads() * config.headDim() * act;
        long qkv = (long) (config.numHeads() + 2 * config.numKvHeads()) * config.headDim();
        // the MLP's intermediates are at most 512 rows at a time (the beacon blocks them; prefill slices are 512)
        long rows = Math.min(chunk, 512);
        long scores = (32L << 20) * 4;
        long activations = (long) chunk * (8 * h + 3 * qkv) * 4 + rows * 3 * config.intermediateSize() * 4
                + scores + (long) config.vocabSize() * 4 * 2
                + (plan.int8() ? (32L << 20) * Runtime.getRuntime().availableProcessors() : 0);
        long nativeBytes = (weights - heap) + kv + activations + RUNTIME_OVERHEAD;
        return new MemoryBudget(nativeBytes, heap, weights, kv, activations);
    }

    /**
     * Checks, before loading, that {@code config} fits this machine as {@code plan} (CPU plans only: device memory
     * is not queried), suggesting int8 when the plan does not fit. Disabled by the system property
     * {@code memorag.memoryCheck=false}.
     *
     * @throws ModelException with the refusal message
     */
    public static void ensureFits(String what, ModelConfig config, RuntimePlan plan, long extraProjectionParams,
            long kvEntries, int chunk) {
        if (plan.gpu() || "false".equalsIgnoreCase(System.getProperty("memorag.memoryCheck"))) {
            return;
        }
        MemoryBudget budget = estimate(config, plan, extraProjectionParams, kvEntries, chunk);
        List<Alternative> alternatives = new java.util.ArrayList<>();
        if (!plan.int8()) {
            RuntimePlan int8 = new RuntimePlan(false, RuntimeOptions.Precision.INT8);
            alternatives.add(new Alternative(int8, estimate(config, int8, extraProjectionParams, kvEntries, chunk)));
        }
        budget.check(what, plan, Available.probe(), alternatives);
    }

    /** Total resident memory the model will need (native plus the heap it makes the JVM commit). */
    public long totalBytes() {
        return nativeBytes + (heapBytes == 0 ? 0 : heapNeeded());
    }

    /**
     * Refuses when {@code available} cannot hold this budget.
     *
     * @param alternatives plans the message may suggest instead (e.g. int8 and its budget), in preference order
     * @throws ModelException naming what is needed, what is free and what would fit
     */
    public void check(String what, RuntimePlan plan, Available available, List<Alternative> alternatives) {
        String problem = problem(available);
        if (problem != null) {
            throw new ModelException(refusal(what, plan, problem, available, alternatives));
        }
    }

    private String refusal(String what, RuntimePlan plan, String problem, Available available,
            List<Alternative> alternatives) {
        StringBuilder m = new StringBuilder("not enough memory to run ").append(what).append(" as ").append(plan)
                .append(": needs about ").append(gb(totalBytes())).append(" (weights ").append(gb(weightBytes))
                .append(", KV cache ").append(gb(kvBytes)).append(", activations ").append(gb(activationBytes))
                .append(heapBytes > 0 ? ", of it " + gb(heapNeeded()) + " Java heap" : "")
                .append(") but ").append(problem).append('.');
        for (Alternative a : alternatives) {
            if (a.budget().problem(available) == null) {
                return m.append(" --dtype ").append(a.plan().precision().cliName()).append(" fits (about ")
                        .append(gb(a.budget().totalBytes())).append(").").toString();
            }
        }
        for (Alternative a : alternatives) {
            if (a.budget().fitsMemoryButNotHeap(available)) {
                return m.append(" --dtype ").append(a.plan().precision().cliName()).append(" would fit (about ")
                        .append(gb(a.budget().totalBytes())).append(") with a larger Java heap: ")
                        .append(a.budget().heapAdvice(available)).toString();
            }
        }
        if (heapBytes > 0 && fitsMemoryButNotHeap(available)) {
            return m.append(" Raise the Java heap: ").append(heapAdvice(available)).toString();
        }
        return m.append(" No --dtype fits on this machine; use a smaller model or a machine with more memory.")
                .toString();
    }

    private String heapAdvice(Available a) {
        String xmx = xmx(adviseMaxHeap(a));
        return "run java with -Xmx" + xmx + " (for ./memorag: JAVA_OPTS=-Xmx" + xmx + ").";
    }

    /**
     * The -Xmx, in bytes, under which this check passes with any collector: the serial and parallel collectors
     * leave one survivor space out of {@code maxMemory()} (up to a thirtieth of the heap with default sizing), so
     * -Xmx exactly the need would be refused by the very check that advised it.
     */
    long adviseMaxHeap(Available a) {
        long used = a.heapMax() - a.heapAvailable();
        return (long) Math.ceil((heapNeeded() + used) / MAX_MEMORY_SHARE);
    }

    /** Java heap the int8 weights need, with G1's region overhead and the application's headroom. */
    private long heapNeeded() {
        return (long) (heapBytes * HEAP_OVERHEAD) + HEAP_HEADROOM;
    }

    /** A plan the refusal may suggest, with its budget. Thread-safety: immutable. */
    public record Alternative(RuntimePlan plan, MemoryBudget budget) {
    }

    private String problem(Available a) {
        if (a.memAvailable() >= 0 && totalBytes() > a.memAvailable()) {
            return "only " + gb(a.memAvailable()) + " is available (MemAvailable in /proc/meminfo)";
        }
        if (heapBytes > 0 && heapNeeded() > a.heapAvailable()) {
            return "the Java heap can hold only " + gb(a.heapAvailable()) + " more (max heap -Xmx "
                    + gb(a.heapMax()) + ")";
        }
        return null;
    }

    private boolean fitsMemoryButNotHeap(Available a) {
        return (a.memAvailable() < 0 || totalBytes() <= a.memAvailable())
                && heapNeeded() > a.heapAvailable();
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }

    /** An -Xmx value in whole GiB, rounded up. */
    static String xmx(long bytes) {
        return ((bytes + (1L << 30) - 1) >> 30) + "g";
    }
}

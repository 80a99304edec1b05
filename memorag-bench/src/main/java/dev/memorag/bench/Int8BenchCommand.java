package dev.memorag.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.memory.lm.NativeThreading;
import dev.memorag.memory.lm.Ops;
import dev.memorag.memory.lm.quant.Int8Kernels;
import dev.memorag.memory.lm.quant.Int8Matrix;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag bench int8}: weight-only int8 matrix products ({@link Int8Matrix}, the kernel in use and the scalar
 * one) against PyTorch's fp32 {@code linear} through DJL, on the same shapes in one run, next to the machine's copy
 * bandwidth.
 *
 * <p>The int8 kernel is the one {@link Int8Kernels} picks for this JVM: start it with
 * {@code --add-modules jdk.incubator.vector} for the Vector API one, without (or with
 * {@code -Dmemorag.int8.kernel=scalar}) for the scalar one.
 *
 * <p>Cold by default: every variant cycles through enough copies of its matrix to exceed {@code --cold-mib}, so each
 * product streams its weights from memory as a decode step does (one step touches every layer once), not from the
 * 32 MiB L3 cache that a single 0.5B-shaped matrix fits in.
 */
@Command(name = "int8", mixinStandardHelpOptions = true,
        description = "Benchmark int8 matrix-vector products against PyTorch fp32 (JSON).")
public final class Int8BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--shapes", defaultValue = "896x4864,4864x896,896x1152,896x151936", split = ",",
            description = "in x out of each matrix (default: Qwen2-0.5B's MLP up, MLP down, fused qkv, LM head).")
    List<String> shapes;

    @Option(names = "--batch", defaultValue = "1", split = ",",
            description = "Rows of x per product, comma-separated (default ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--seconds", defaultValue = "1.5", description = "Time per measurement (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--cold-mib", defaultValue = "256",
            description = "Copies of each matrix span at least this many MiB; 0 measures one hot matrix (default"
                    + " ${DEFAULT-VALUE}).")
    int coldMib;

    @Option(names = "--no-torch", description = "Skip PyTorch fp32.")
    boolean noTorch;

    @Option(names = "--seed", defaultValue = "1",
            description = "Seed of the random weights and inputs (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        if (seconds <= 0 || coldMib < 0) {
            throw new InvalidInputException("--seconds must be > 0 and --cold-mib >= 0");
        }
        String loadBefore = ProcessStats.loadAverage();
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode out = m.createObjectNode();
        out.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        out.put("kernel", Int8Kernels.kernelName());
        out.put("vector_module_present", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        out.put("threads", Runtime.getRuntime().availableProcessors());
        out.put("cold_mib", coldMib);
        double bandwidth = LlmBenchCommand.copyBandwidth();
        out.put("copy_bandwidth_gb_per_s", round(bandwidth / 1e9));
        out.put("copy_bandwidth_note", "bytes read + written per second by parallel System.arraycopy; a product"
                + " only reads, so its gb_per_s counts weight bytes read");
        ArrayNode results = out.putArray("shapes");
        NativeThreading.configureBeforeEngineLoad();
        for (String shape : shapes) {
            String[] io = shape.trim().split("x");
            if (io.length != 2) {
                throw new InvalidInputException("--shapes: '" + shape + "' is not IN x OUT, e.g. 896x4864");
            }
            int cols = Integer.parseInt(io[0].trim());
            int rows = Integer.parseInt(io[1].trim());
            results.add(benchShape(m, rows, cols));
        }
        out.put("load_average_before", loadBefore);
        out.put("load_average_after", ProcessStats.loadAverage());
        spec.commandLine().getOut().println(m.writeValueAsString(out));
        return 0;
    }

    private ObjectNode benchShape(ObjectMapper m, int rows, int cols) {
        ObjectNode o = m.createObjectNode();
        o.put("in", cols);
        o.put("out", rows);
        long weights = (long) rows * cols;
        int int8Copies = copies(weights * 9 / 8);
        List<Int8Matrix> mats = new ArrayList<>();
        for (int i = 0; i < int8Copies; i++) {
            long rowSeed = seed * 1_000_003L + i;
            mats.add(Int8Matrix.quantize((r, dst) -> {
                SplittableRandom rnd = new SplittableRandom(rowSeed * 31 + r);
                for (int c = 0; c < dst.length; c++) {
                    dst[c] = (float) rnd.nextGaussian() * 0.02f;
                }
            }, rows, cols));
        }
        long int8Bytes = mats.get(0).bytes();
        o.put("int8_bytes", int8Bytes);
        o.put("int8_copies", int8Copies);
        for (int n : batches) {
            if (n <= 0) {
                throw new InvalidInputException("--batch: " + n + " must be > 0");
            }
            ObjectNode b = o.putObject("n" + n);
            float[] x = randomVector(n * cols);
            float[] y = new float[n * rows];
            b.set("int8", timing(m, int8Bytes, i -> mats.get(i % mats.size()).matmul(x, n, y)));
        }
        mats.clear();
        if (!noTorch) {
            torch(m, o, rows, cols);
        }
        return o;
    }

    private void torch(ObjectMapper m, ObjectNode o, int rows, int cols) {
        long fp32Bytes = 4L * rows * cols;
        int copies = copies(fp32Bytes);
        o.put("fp32_bytes", fp32Bytes);
        o.put("fp32_copies", copies);
        try (NDManager base = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray[] ws = new NDArray[copies];
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] row = new float[cols];
            for (int i = 0; i < copies; i++) {
                FloatBuffer buf = FloatBuffer.allocate(rows * cols);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        row[c] = (float) rnd.nextGaussian() * 0.02f;
                    }
                    buf.put(row);
                }
                buf.flip();
                ws[i] = base.create(buf, new Shape(rows, cols));
            }
            for (int n : batches) {
                float[] x = randomVector(n * cols);
                ObjectNode b = (ObjectNode) o.get("n" + n);
                b.set("torch_fp32", timing(m, fp32Bytes, i -> {
                    try (NDManager sub = base.newSubManager()) {
                        Ops.linear(sub.create(x, new Shape(n, cols)), ws[i % ws.length], null).toFloatArray();
                    }
                }));
            }
        }
    }

    /**
     * Median and best ms per call over {@code --seconds} after a warm-up pass; gb_per_s = weight bytes / median; and
     * the process CPU time per call.
     */
    private ObjectNode timing(ObjectMapper m, long bytes, IntConsumer call) {
        for (int i = 0; i < 20; i++) {
            call.accept(i);
        }
        List<Long> times = new ArrayList<>();
        long cpu0 = ProcessStats.processCpuNanos();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int i = 0; System.nanoTime() < end || times.size() < 5; i++) {
            long t = System.nanoTime();
            call.accept(i);
            times.add(System.nanoTime() - t);
        }
        long cpu = ProcessStats.processCpuNanos() - cpu0;
        long[] ts = times.stream().mapToLong(Long::longValue).sorted().toArray();
        double median = ts[ts.length / 2] / 1e6;
        ObjectNode o = m.createObjectNode();
        o.put("ms_median", round(median));
        o.put("ms_best", round(ts[0] / 1e6));
        o.put("calls", ts.length);
        o.put("gb_per_s", round(bytes / (median / 1000) / 1e9));
        // CPU time of the whole process per call (all threads, spinning included): on a loaded machine the wall
        // time mostly measures the scheduler, this the work.
        o.put("process_cpu_ms_per_call", cpu0 < 0 ? -1 : round(cpu / 1e6 / ts.length));
        return o;
    }

    private int copies(long bytesEach) {
        return (int) Math.max(1, Math.min(64, ((long) coldMib << 20) / bytesEach + 1));
    }

    private float[] randomVector(int size) {
        SplittableRandom rnd = new SplittableRandom(seed + size);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}

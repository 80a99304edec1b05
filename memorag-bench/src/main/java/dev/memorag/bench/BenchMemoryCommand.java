package dev.memorag.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.memory.beacon.BeaconConfig;
import dev.memorag.memory.beacon.BeaconTransformer;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.lm.Sampler;
import dev.memorag.memory.state.MemoryState;
import dev.memorag.memory.state.MemoryStateFile;
import dev.memorag.memory.state.StorageType;
import dev.memorag.store.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag bench memory}: memorises N random token ids and reports memorise throughput, KV entries and bytes,
 * peak RSS, the saved state's size and how long saving and loading it take.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Memorise N random tokens; report tokens/s, KV bytes, peak RSS, save size, load time.")
public final class BenchMemoryCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Model directory (beacon or plain decoder).")
    Path model;

    @Option(names = "--tokens", required = true, description = "Number of tokens to memorise.")
    int tokens;

    @Option(names = "--beacon-ratio", description = "Override beacon_ratio (beacon models).")
    Integer ratio;

    @Option(names = "--storage", defaultValue = "float32", description = "State file storage: float32 or float16.")
    String storage;

    @Option(names = "--save-dir", description = "Where to write the state (default: a temporary directory).")
    Path saveDir;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random token ids.")
    long seed;

    @Option(names = "--progress", description = "Report memorise progress per window on stderr.")
    boolean progress;

    @Option(names = "--generate", defaultValue = "16",
            description = "Greedy tokens to generate from the memory after a 32-token query, timed (default "
                    + "${DEFAULT-VALUE}; 0 skips).")
    int generate;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", description = "fp32, fp16 or int8 (default: fp32 on CPU, fp16 on CUDA; int8 is CPU only).")
    String dtype;

    @Option(names = "--json", description = "Print JSON (the default output format).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (tokens <= 0) {
            throw new InvalidInputException("--tokens must be > 0, was " + tokens);
        }
        StorageType st = switch (storage) {
            case "float32" -> StorageType.FLOAT32;
            case "float16" -> StorageType.FLOAT16;
            default -> throw new InvalidInputException("--storage must be float32 or float16, was " + storage);
        };
        boolean beacon = BeaconConfig.isBeaconModel(model);
        ObjectMapper om = new ObjectMapper();
        ObjectNode out = om.createObjectNode();
        Path dir = saveDir != null ? saveDir : Files.createTempDirectory("memorag-bench-memory");
        RuntimeOptions options = RuntimeOptions.of(device, dtype);
        long loadStart = System.nanoTime();
        try (BeaconTransformer m = beacon ? BeaconTransformer.load(model, ratio, options)
                : BeaconTransformer.loadFullKv(model, 2048, options)) {
            out.put("load_model_s", (System.nanoTime() - loadStart) / 1e9);
            out.put("plan", m.plan().toString());
            int vocab = m.config().vocab();
            int[] ids = new Random(seed).ints(tokens, Math.min(3, vocab - 1), vocab).toArray();
            out.put("model", model.toString());
            out.put("kind", m.fingerprint().kind());
            out.put("tokens", tokens);
            if (beacon) {
                out.put("beacon_ratio", m.config().ratios().get(0));
                out.put("beacon_window", m.config().window());
            }
            long t0 = System.nanoTime();
            // window-sized pieces (equivalent to one pass) so long runs can report progress on stderr
            int piece = m.config().window();
            for (int off = 0; off < ids.length; off += piece) {
                int end = Math.min(ids.length, off + piece);
                m.feed(java.util.Arrays.copyOfRange(ids, off, end), false);
                if (progress) {
                    spec.commandLine().getErr().printf("memorize %d/%d tokens, %.1f s%n", end, ids.length,
                            (System.nanoTime() - t0) / 1e9);
                    spec.commandLine().getErr().flush();
                }
            }
            double memorizeS = (System.nanoTime() - t0) / 1e9;
            m.snapshot();
            int[] sizes = m.memorySizes();
            MemoryState state = m.exportSnapshot();
            out.put("memorize_s", memorizeS);
            out.put("memorize_tokens_per_s", tokens / memorizeS);
            out.put("kv_entries_per_layer", sizes[0] + sizes[1] + sizes[2]);
            out.put("beacon_entries_per_layer", sizes[1]);
            out.put("raw_entries_per_layer", sizes[2]);
            out.put("kv_bytes", state.kvBytes());
            out.put("kv_bytes_per_token", (double) state.kvBytes() / tokens);
            Path file = dir.resolve(MemoryStateFile.FILE_NAME);
            long s0 = System.nanoTime();
            MemoryStateFile.write(file, state, st);
            out.put("save_s", (System.nanoTime() - s0) / 1e9);
            out.put("save_bytes", Files.size(file));
            out.put("storage", st.wireName());
            long l0 = System.nanoTime();
            m.importState(MemoryStateFile.read(file, m.fingerprint()));
            double loadS = (System.nanoTime() - l0) / 1e9;
            out.put("load_s", loadS);
            out.put("memorize_over_load", memorizeS / loadS);
            if (generate > 0) {
                // what answering from the memory costs: a short query, then one token at a time
                int[] query = new Random(seed + 1).ints(32, Math.min(3, vocab - 1), vocab).toArray();
                long q0 = System.nanoTime();
                float[] logits = m.feed(query, false)[0];
                long q1 = System.nanoTime();
                for (int i = 0; i < generate; i++) {
                    logits = m.feed(new int[] {Sampler.argmax(logits)}, false)[0];
                }
                out.put("query_ms", (q1 - q0) / 1e6);
                out.put("generate_ms_per_token", (System.nanoTime() - q1) / 1e6 / generate);
                m.restoreSnapshot();
            }
            out.put("peak_rss_bytes", ProcessStats.peakRssBytes());
        } finally {
            if (saveDir == null) {
                FileTrees.deleteRecursively(dir);
            }
        }
        spec.commandLine().getOut().println(om.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        spec.commandLine().getOut().flush();
        return 0;
    }
}

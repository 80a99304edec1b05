package dev.memorag.bench;

import dev.memorag.memory.beacon.BeaconCheckpoint;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memorag bench make-model}: writes a seeded random checkpoint of a real model's shape. */
@Command(name = "make-model", mixinStandardHelpOptions = true,
        description = "Write a seeded random decoder checkpoint (config, safetensors, byte-level tokenizer, ChatML).")
public final class MakeModelCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--family", defaultValue = "qwen2", description = "qwen2, mistral or llama (default ${DEFAULT-VALUE}).")
    String family;

    @Option(names = "--shape", defaultValue = "tiny", description = "tiny or qwen2-0.5b (default ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--seed", defaultValue = "1234", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--beacon-ratio", description = "Also write Activation-Beacon weights and config with this "
            + "compression ratio (a beacon memory model).")
    Integer beaconRatio;

    @Option(names = "--beacon-window", defaultValue = "2048",
            description = "beacon_window = beacon_stride of the beacon variant (default ${DEFAULT-VALUE}).")
    int beaconWindow;

    @Override
    public Integer call() {
        ModelFamily f = ModelFamily.fromModelType(family, "--family");
        long t0 = System.nanoTime();
        long params = RandomCheckpoint.write(out, f, RandomCheckpoint.Shape.parse(shape), seed);
        if (beaconRatio != null) {
            BeaconCheckpoint.addBeacon(out, beaconRatio, beaconWindow, seed + 1);
        }
        spec.commandLine().getOut().printf("{\"out\":\"%s\",\"family\":\"%s\",\"shape\":\"%s\",\"seed\":%d,"
                + "\"parameters\":%d,%s\"seconds\":%.1f}%n", out.toString().replace("\\", "\\\\").replace("\"", "\\\""),
                f.modelType(), shape, seed, params, beaconRatio == null ? ""
                        : "\"beacon_ratio\":" + beaconRatio + ",\"beacon_window\":" + beaconWindow + ",",
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}

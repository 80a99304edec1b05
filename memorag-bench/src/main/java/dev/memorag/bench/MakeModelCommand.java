package dev.memorag.bench;

import dev.memorag.memory.beacon.BeaconCheckpoint;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.safetensors.DType;
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

    @Option(names = "--shape", defaultValue = "tiny",
            description = "tiny, qwen2-0.5b, qwen2-7b or mistral-7b (default ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--weights-dtype", description = "fp32 or bf16 on disk (default: bf16 for the 7B shapes, sharded "
            + "like the hub's, else one fp32 model.safetensors).")
    String weightsDtype;

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
        RandomCheckpoint.Shape s = RandomCheckpoint.Shape.parse(shape);
        boolean large = s.name().endsWith("-7b");
        String dtype = weightsDtype != null ? weightsDtype.toLowerCase(java.util.Locale.ROOT) : large ? "bf16" : "fp32";
        if (!dtype.equals("fp32") && !dtype.equals("bf16")) {
            throw new dev.memorag.error.InvalidInputException("--weights-dtype must be fp32 or bf16, was '"
                    + weightsDtype + "'");
        }
        long params;
        if (!large && dtype.equals("fp32")) {
            params = RandomCheckpoint.write(out, f, s, seed);
            if (beaconRatio != null) {
                BeaconCheckpoint.addBeacon(out, beaconRatio, beaconWindow, seed + 1);
            }
        } else {
            // streamed shards with the beacon tensors written alongside: memory stays bounded at any size
            params = RandomCheckpoint.write(out, f, s, seed, new RandomCheckpoint.Layout(dtype.equals("bf16")
                    ? DType.BF16 : DType.F32, large ? RandomCheckpoint.Layout.HUB_SHARD_BYTES : 0,
                    beaconRatio != null));
            if (beaconRatio != null) {
                BeaconCheckpoint.configure(out, beaconRatio, beaconWindow);
            }
        }
        spec.commandLine().getOut().printf("{\"out\":\"%s\",\"family\":\"%s\",\"shape\":\"%s\",\"seed\":%d,"
                + "\"parameters\":%d,\"weights_dtype\":\"%s\",%s\"seconds\":%.1f}%n",
                out.toString().replace("\\", "\\\\").replace("\"", "\\\""),
                f.modelType(), shape, seed, params, dtype, beaconRatio == null ? ""
                        : "\"beacon_ratio\":" + beaconRatio + ",\"beacon_window\":" + beaconWindow + ",",
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}

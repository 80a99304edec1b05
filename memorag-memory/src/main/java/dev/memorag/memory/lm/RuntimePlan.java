package dev.memorag.memory.lm;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.spi.DjlNatives;
import java.util.Objects;

/**
 * The device and precision a model actually runs with, decided from what the user asked for and how many GPUs the
 * engine sees: a pure function, so the choice is testable on machines without a GPU.
 *
 * <ul>
 *   <li>{@code cpu} runs on the CPU; {@code cuda} needs a GPU (refused without one); {@code auto} takes the GPU when
 *       there is one, except for int8, which only has a CPU kernel.</li>
 *   <li>No precision requested: float16 on CUDA, float32 on the CPU.</li>
 *   <li>int8 on CUDA is refused (weight-only int8 is a CPU kernel; use float16 there).</li>
 * </ul>
 *
 * <p>Thread-safety: immutable.
 *
 * @param gpu whether the model runs on CUDA device 0
 * @param precision weight precision
 */
public record RuntimePlan(boolean gpu, RuntimeOptions.Precision precision) {
    public RuntimePlan {
        Objects.requireNonNull(precision, "precision");
        if (gpu && precision == RuntimeOptions.Precision.INT8) {
            throw new InvalidInputException("dtype int8 runs on the CPU only; use --dtype fp16 on cuda");
        }
    }

    /** Decides the plan for {@code device} and {@code precision} (null: the device's default) with {@code gpus} GPUs. */
    public static RuntimePlan choose(RuntimeOptions.DeviceChoice device, RuntimeOptions.Precision precision,
            int gpus) {
        Objects.requireNonNull(device, "device");
        boolean gpu = switch (device) {
            case CPU -> false;
            case GPU -> {
                if (gpus <= 0) {
                    throw new ModelException("device cuda requested but the PyTorch engine sees no GPU (put a CUDA "
                            + "flavour of pytorch-native on the class path, or use --device cpu or auto)");
                }
                yield true;
            }
            case AUTO -> gpus > 0 && precision != RuntimeOptions.Precision.INT8;
        };
        RuntimeOptions.Precision p = precision != null ? precision
                : gpu ? RuntimeOptions.Precision.FLOAT16 : RuntimeOptions.Precision.FLOAT32;
        return new RuntimePlan(gpu, p);
    }

    /**
     * The plan for {@code options} on this machine (asks the PyTorch engine for its GPU count). fp16 on the CPU is
     * allowed but never chosen by default, and warned about: PyTorch's CPU fp16 products depend on the processor.
     * On the AVX2 development machine they were slower than fp32 throughout (prefill 4.8 against 15.0 tokens/s on the
     * 0.5B shape); on an AVX-512 EPYC, fp16 decoding was 2.7x faster than fp32 (62 against 166 ms/token, half the
     * bytes read) but prefill, i.e. memorising, 2x slower (52 against 106 tokens/s). int8 is the CPU option that
     * saves memory and decodes faster still (52 ms/token there), prefilling at three quarters of fp32's speed.
     */
    public static RuntimePlan of(RuntimeOptions options) {
        NativeThreading.configureBeforeEngineLoad();
        int gpus = DjlNatives.start("the PyTorch runtime of the local models",
                () -> ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount());
        RuntimePlan plan = choose(options.device(), options.precision(), gpus);
        if (!plan.gpu() && plan.precision() == RuntimeOptions.Precision.FLOAT16) {
            LOG.warn("fp16 on the CPU halves weight memory; its speed depends on the processor: reading a text "
                    + "(prefill, memorising) is slower than fp32 where the CPU has no native fp16 arithmetic, "
                    + "decoding can be faster; --dtype int8 quarters the memory and decodes faster still");
        }
        return plan;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RuntimePlan.class);

    /** The DJL device. */
    public Device device() {
        return gpu ? Device.gpu() : Device.cpu();
    }

    /** Type of activations and of non-quantised weights (norms, biases): float32 for int8 weights. */
    public DataType activationType() {
        return precision == RuntimeOptions.Precision.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /** Whether linear layers, the embedding and the LM head hold int8 weights. */
    public boolean int8() {
        return precision == RuntimeOptions.Precision.INT8;
    }

    /** Bytes per weight of the linear layers (int8: the byte plus its share of the block scale). */
    public double weightBytesPerParameter() {
        return switch (precision) {
            case FLOAT32 -> 4;
            case FLOAT16 -> 2;
            case INT8 -> MemoryBudget.INT8_BYTES_PER_WEIGHT;
        };
    }

    @Override
    public String toString() {
        return (gpu ? "cuda" : "cpu") + "/" + precision.cliName();
    }
}

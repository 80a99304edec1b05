package dev.memorag.memory.lm;

import java.util.Locale;
import java.util.Objects;

/**
 * Where and in which precision a model runs. {@code AUTO} picks CUDA when the PyTorch engine sees a GPU (the
 * application must then put a CUDA flavour of {@code pytorch-native} on the class path instead of the CPU one), else
 * CPU; the default precision is float32 on CPU and float16 on GPU (see {@link RuntimePlan}). Norms and softmax always
 * run in float32.
 *
 * <p>Thread-safety: immutable.
 *
 * @param device device choice
 * @param precision weight and activation precision, or {@code null} for the device default
 * @param prefillChunk tokens per prefill slice (bounds activation memory for long prompts)
 */
public record RuntimeOptions(DeviceChoice device, Precision precision, int prefillChunk) {

    /** Device selection (immutable). {@code GPU} is a CUDA device. */
    public enum DeviceChoice {
        AUTO, CPU, GPU;

        /** Parses {@code cpu}, {@code cuda} (or {@code gpu}) and {@code auto} (case-insensitive). */
        public static DeviceChoice parse(String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "cpu":
                    return CPU;
                case "cuda": case "gpu":
                    return GPU;
                case "auto":
                    return AUTO;
                default:
                    throw new dev.memorag.error.InvalidInputException("device must be cpu, cuda or auto, was '" + s
                            + "'");
            }
        }
    }

    /**
     * Weight precision (immutable). {@code FLOAT32} and {@code FLOAT16} are the weight and activation type;
     * {@code INT8} is weight-only 8-bit quantisation (CPU only): linear layers, embedding and LM head hold int8 values
     * with one float scale per 32-weight block, activations and accumulation stay float32.
     */
    public enum Precision {
        FLOAT32, FLOAT16, INT8;

        /** Parses {@code fp32}/{@code float32}, {@code fp16}/{@code float16}, {@code int8}/{@code q8} (any case). */
        public static Precision parse(String s) {
            String v = s.trim().toLowerCase(Locale.ROOT);
            switch (v) {
                case "float32": case "fp32": case "f32":
                    return FLOAT32;
                case "float16": case "fp16": case "f16": case "half":
                    return FLOAT16;
                case "int8": case "q8": case "q8_0":
                    return INT8;
                default:
                    throw new dev.memorag.error.InvalidInputException("dtype must be fp32, fp16 or int8, was '" + s
                            + "'");
            }
        }

        /** The CLI spelling: {@code fp32}, {@code fp16}, {@code int8}. */
        public String cliName() {
            return switch (this) {
                case FLOAT32 -> "fp32";
                case FLOAT16 -> "fp16";
                case INT8 -> "int8";
            };
        }
    }

    /** CPU-or-GPU automatically, default precision, 512-token prefill slices. */
    public static final RuntimeOptions DEFAULT = new RuntimeOptions(DeviceChoice.AUTO, null, 512);

    public RuntimeOptions {
        Objects.requireNonNull(device, "device");
        if (prefillChunk <= 0) {
            throw new dev.memorag.error.InvalidInputException("prefillChunk must be > 0, was " + prefillChunk);
        }
    }

    /**
     * Options from user spellings: {@code device} {@code cpu|cuda|auto} (null: auto) and {@code dtype}
     * {@code fp32|fp16|int8} (null: the device's default).
     */
    public static RuntimeOptions of(String device, String dtype) {
        RuntimeOptions r = device == null ? DEFAULT : DEFAULT.withDevice(DeviceChoice.parse(device));
        return dtype == null ? r : r.withPrecision(Precision.parse(dtype));
    }

    /** Options from a provider's {@code device} and {@code dtype} options. */
    public static RuntimeOptions of(dev.memorag.spi.ProviderOptions options) {
        return of(options.get(dev.memorag.spi.ProviderOptions.DEVICE).orElse(null),
                options.get(dev.memorag.spi.ProviderOptions.DTYPE).orElse(null));
    }

    public RuntimeOptions withDevice(DeviceChoice d) {
        return new RuntimeOptions(d, precision, prefillChunk);
    }

    public RuntimeOptions withPrecision(Precision p) {
        return new RuntimeOptions(device, p, prefillChunk);
    }

    public RuntimeOptions withPrefillChunk(int n) {
        return new RuntimeOptions(device, precision, n);
    }
}

package dev.memorag.memory.lm;

import java.util.Locale;
import java.util.Objects;

/**
 * Where and in which precision a model runs. {@code AUTO} picks CUDA when the PyTorch engine sees a GPU (the
 * application must then put a CUDA flavour of {@code pytorch-native} on the class path instead of the CPU one), else
 * CPU; the default precision is float32 on CPU and float16 on GPU. Norms and softmax always run in float32.
 *
 * <p>Thread-safety: immutable.
 *
 * @param device device choice
 * @param precision weight and activation precision, or {@code null} for the device default
 * @param prefillChunk tokens per prefill slice (bounds activation memory for long prompts)
 */
public record RuntimeOptions(DeviceChoice device, Precision precision, int prefillChunk) {

    /** Device selection (immutable). */
    public enum DeviceChoice { AUTO, CPU, GPU }

    /** Weight/activation precision (immutable). */
    public enum Precision {
        FLOAT32, FLOAT16;

        /** Parses {@code float32}/{@code fp32}/{@code float16}/{@code fp16} (case-insensitive). */
        public static Precision parse(String s) {
            String v = s.trim().toLowerCase(Locale.ROOT);
            switch (v) {
                case "float32": case "fp32": case "f32":
                    return FLOAT32;
                case "float16": case "fp16": case "f16": case "half":
                    return FLOAT16;
                default:
                    throw new dev.memorag.error.InvalidInputException("dtype must be float32 or float16, was '" + s + "'");
            }
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

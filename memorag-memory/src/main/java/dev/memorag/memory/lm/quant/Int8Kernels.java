package dev.memorag.memory.lm.quant;

/** Kernel selection (stand-in until the int8 branch lands). */
public final class Int8Kernels {
    private Int8Kernels() {
    }

    public static String kernelName() {
        return "scalar-standin";
    }
}

package dev.memorag.memory.lm.quant;

/** One fp32 row of a {@code [rows, cols]} matrix. (Stand-in until the int8 branch lands.) */
@FunctionalInterface
public interface RowSource {
    void row(int r, float[] dst);
}

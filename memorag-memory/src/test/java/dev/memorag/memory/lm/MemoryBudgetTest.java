package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.ModelException;
import dev.memorag.memory.lm.RuntimeOptions.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory estimate of a model and the refusal message when it does not fit. */
class MemoryBudgetTest {
    private static final long GB = 1_000_000_000L;
    private static final RuntimePlan FP32 = new RuntimePlan(false, Precision.FLOAT32);
    private static final RuntimePlan INT8 = new RuntimePlan(false, Precision.INT8);

    static ModelConfig shape(RandomCheckpoint.Shape s) {
        ObjectMapper json = new ObjectMapper();
        return ModelConfig.parse(RandomCheckpoint.configJson(json, ModelFamily.QWEN2, s), s.name());
    }

    @Test
    void sevenBillionWeightsCostFourBytesInFp32AndAboutOneInInt8() {
        ModelConfig c = shape(RandomCheckpoint.Shape.QWEN2_7B);
        MemoryBudget fp32 = MemoryBudget.estimate(c, FP32, 0, 4096, 1024);
        MemoryBudget int8 = MemoryBudget.estimate(c, INT8, 0, 4096, 1024);
        assertEquals(c.parameterCount() * 4.0, fp32.weightBytes(), c.parameterCount() * 0.01);
        assertEquals(0, fp32.heapBytes());
        assertTrue(fp32.totalBytes() > 30 * GB, "fp32 7B " + fp32);
        assertTrue(int8.heapBytes() > 8 * GB && int8.heapBytes() < 9 * GB, "int8 7B heap " + int8);
        assertTrue(int8.totalBytes() < 12 * GB, "int8 7B total " + int8);
        // KV: 28 layers x 3 tensors x 4 heads x 128 x 4096 entries x 4 bytes
        assertEquals(28L * 3 * 4 * 128 * 4096 * 4, int8.kvBytes());
    }

    @Test
    void fp32SevenBillionIsRefusedNamingNeedFreeAndInt8() {
        ModelConfig c = shape(RandomCheckpoint.Shape.QWEN2_7B);
        MemoryBudget fp32 = MemoryBudget.estimate(c, FP32, 0, 4096, 1024);
        MemoryBudget int8 = MemoryBudget.estimate(c, INT8, 0, 4096, 1024);
        List<MemoryBudget.Alternative> alt = List.of(new MemoryBudget.Alternative(INT8, int8));
        MemoryBudget.Available roomy = new MemoryBudget.Available(22 * GB, 14L << 30, 14L << 30);
        ModelException e = assertThrows(ModelException.class, () -> fp32.check("q7b", FP32, roomy, alt));
        String m = e.getMessage();
        assertTrue(m.startsWith("not enough memory to run q7b as cpu/fp32: needs about 3"), m);
        assertTrue(m.contains("only 22.0 GB is available (MemAvailable"), m);
        assertTrue(m.contains("--dtype int8 fits (about "), m);
        // a default heap (1/4 of RAM) cannot hold the int8 weights: the message names the -Xmx that would
        MemoryBudget.Available smallHeap = new MemoryBudget.Available(22 * GB, 5L << 30, 6L << 30);
        m = assertThrows(ModelException.class, () -> fp32.check("q7b", FP32, smallHeap, alt)).getMessage();
        assertTrue(m.contains("--dtype int8 would fit (about ") && m.contains("-Xmx10g"), m);
        m = assertThrows(ModelException.class, () -> int8.check("q7b", INT8, smallHeap, List.of())).getMessage();
        assertTrue(m.contains("the Java heap can hold only 5.4 GB more") && m.contains("Raise the Java heap: run "
                + "java with -Xmx10g"), m);
        // nothing fits a 4 GB machine
        MemoryBudget.Available tiny = new MemoryBudget.Available(4 * GB, 1L << 30, 1L << 30);
        m = assertThrows(ModelException.class, () -> fp32.check("q7b", FP32, tiny, alt)).getMessage();
        assertTrue(m.endsWith("No --dtype fits on this machine; use a smaller model or a machine with more memory."), m);
    }

    @Test
    void theAdvisedHeapPassesTheCheckUnderEveryCollector() {
        MemoryBudget int8 = MemoryBudget.estimate(shape(RandomCheckpoint.Shape.QWEN2_7B), INT8, 0, 4096, 1024);
        long used = 100L << 20;
        MemoryBudget.Available small = new MemoryBudget.Available(22 * GB, (2L << 30) - used, 2L << 30);
        String advice = assertThrows(ModelException.class, () -> int8.check("q7b", INT8, small, List.of()))
                .getMessage().replaceAll("(?s).*-Xmx(\\d+)g.*", "$1");
        long xmx = Long.parseLong(advice) << 30;
        // G1 reports the whole -Xmx as maxMemory; the serial collector (default young generation) a survivor less
        for (long max : new long[] {xmx, xmx - xmx / 30}) {
            int8.check("q7b", INT8, new MemoryBudget.Available(22 * GB, max - used, max), List.of());
        }
    }

    @Test
    void modelsThatFitPass() {
        ModelConfig c = shape(RandomCheckpoint.Shape.QWEN2_0_5B);
        MemoryBudget fp32 = MemoryBudget.estimate(c, FP32, 0, 8192, 512);
        assertTrue(fp32.totalBytes() < 4 * GB, fp32.toString());
        fp32.check("q05", FP32, new MemoryBudget.Available(22 * GB, 1L << 30, 6L << 30), List.of());
        // unknown MemAvailable (not Linux): only the heap is checked
        fp32.check("q05", FP32, new MemoryBudget.Available(-1, 1L << 30, 6L << 30), List.of());
    }

    @Test
    void memAvailableIsReadFromMeminfo(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("meminfo");
        Files.writeString(f, "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n");
        assertEquals(20000000L * 1024, MemoryBudget.Available.memAvailable(f));
        Files.writeString(f, "MemTotal: 1 kB\n");
        assertEquals(-1, MemoryBudget.Available.memAvailable(f));
        assertEquals(-1, MemoryBudget.Available.memAvailable(tmp.resolve("missing")));
    }
}

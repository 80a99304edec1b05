package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.memory.lm.RuntimeOptions.DeviceChoice;
import dev.memorag.memory.lm.RuntimeOptions.Precision;
import org.junit.jupiter.api.Test;

/** The device/dtype plan: a pure function of (requested device, requested dtype, GPU count). */
class RuntimePlanTest {
    @Test
    void cpuOnlyHostsPickTheCpu() {
        assertEquals(new RuntimePlan(false, Precision.FLOAT32), RuntimePlan.choose(DeviceChoice.AUTO, null, 0));
        assertEquals(new RuntimePlan(false, Precision.INT8), RuntimePlan.choose(DeviceChoice.AUTO, Precision.INT8, 0));
        assertEquals(new RuntimePlan(false, Precision.FLOAT16),
                RuntimePlan.choose(DeviceChoice.AUTO, Precision.FLOAT16, 0));
        assertEquals(new RuntimePlan(false, Precision.FLOAT32), RuntimePlan.choose(DeviceChoice.CPU, null, 0));
    }

    @Test
    void gpuHostsDefaultToCudaAndFp16() {
        RuntimePlan auto = RuntimePlan.choose(DeviceChoice.AUTO, null, 1);
        assertTrue(auto.gpu());
        assertEquals(Precision.FLOAT16, auto.precision());
        assertEquals("cuda/fp16", auto.toString());
        assertEquals(new RuntimePlan(true, Precision.FLOAT32), RuntimePlan.choose(DeviceChoice.GPU, Precision.FLOAT32, 2));
        // the CPU stays available on a GPU host
        assertEquals(new RuntimePlan(false, Precision.FLOAT32), RuntimePlan.choose(DeviceChoice.CPU, null, 1));
    }

    @Test
    void int8IsACpuKernel() {
        assertFalse(RuntimePlan.choose(DeviceChoice.AUTO, Precision.INT8, 4).gpu());
        assertThrows(InvalidInputException.class, () -> RuntimePlan.choose(DeviceChoice.GPU, Precision.INT8, 1));
    }

    @Test
    void cudaWithoutGpuIsRefused() {
        ModelException e = assertThrows(ModelException.class, () -> RuntimePlan.choose(DeviceChoice.GPU, null, 0));
        assertTrue(e.getMessage().contains("no GPU"), e.getMessage());
    }

    @Test
    void userSpellingsParse() {
        assertEquals(DeviceChoice.GPU, DeviceChoice.parse("cuda"));
        assertEquals(DeviceChoice.GPU, DeviceChoice.parse("GPU"));
        assertEquals(DeviceChoice.CPU, DeviceChoice.parse(" cpu "));
        assertEquals(Precision.INT8, Precision.parse("int8"));
        assertEquals(Precision.FLOAT16, Precision.parse("fp16"));
        assertEquals(Precision.FLOAT32, Precision.parse("float32"));
        assertThrows(InvalidInputException.class, () -> Precision.parse("bf16"));
        assertThrows(InvalidInputException.class, () -> DeviceChoice.parse("tpu"));
        RuntimeOptions o = RuntimeOptions.of("cpu", "int8");
        assertEquals(DeviceChoice.CPU, o.device());
        assertEquals(Precision.INT8, o.precision());
        assertEquals(RuntimeOptions.DEFAULT, RuntimeOptions.of(null, null));
    }
}

package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.memorag.safetensors.DType;
import dev.memorag.safetensors.SafetensorsReader;
import dev.memorag.safetensors.SafetensorsWriter;
import dev.memorag.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** BF16/F16 checkpoints are converted while loading: same logits as an F32 file holding the same rounded values. */
class WeightConversionTest {
    private static final RuntimeOptions CPU = RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU);

    private static void rewrite(Path from, Path to, DType dtype) throws Exception {
        Files.createDirectories(to);
        Files.copy(from.resolve("config.json"), to.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsReader r = SafetensorsReader.open(from)) {
            for (String n : r.names()) {
                w.put(n, r.info(n).shape(), r.readFloats(n));
            }
        }
        w.write(to.resolve("model.safetensors"), dtype);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void largeTensorsLoadInRowBlocksIdentically(DType dtype, @TempDir Path dir) throws Exception {
        Path src = TestData.path("golden/mistral");
        if (dtype != DType.F32) {
            rewrite(src, dir, dtype);
            src = dir;
        }
        try (SafetensorsReader r = SafetensorsReader.open(src);
                ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(),
                        "PyTorch")) {
            String name = "model.embed_tokens.weight";
            long[] shape = r.info(name).shape();
            float[] whole = new WeightLoader(r, m, ai.djl.ndarray.types.DataType.FLOAT32, "test").load(name, shape)
                    .toFloatArray();
            // 1000-byte blocks: the 512 x 64 table is read 3 rows at a time.
            float[] blocks = new WeightLoader(r, m, ai.djl.ndarray.types.DataType.FLOAT32, "test", 1000)
                    .load(name, shape).toFloatArray();
            assertArrayEquals(whole, blocks, 0f);
            assertArrayEquals(r.readFloats(name), whole, 0f);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void halfPrecisionCheckpointsLoadAsFloat32(DType dtype, @TempDir Path dir) throws Exception {
        Path half = dir.resolve("half");
        Path widened = dir.resolve("f32");
        rewrite(TestData.path("golden/mistral"), half, dtype);
        rewrite(half, widened, DType.F32);
        int[] ids = {3, 17, 99, 250, 4, 8};
        try (CausalLm a = CausalLm.load(half, CPU); CausalLm b = CausalLm.load(widened, CPU)) {
            float[][] la = a.forward(ids, false).logits();
            float[][] lb = b.forward(ids, false).logits();
            for (int t = 0; t < ids.length; t++) {
                assertArrayEquals(lb[t], la[t], 0f, "position " + t);
            }
        }
    }
}

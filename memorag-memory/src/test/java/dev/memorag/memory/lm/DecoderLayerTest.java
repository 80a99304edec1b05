package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.memorag.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The split per-layer API (what the beacon model calls) reproduces the fused forward exactly. */
class DecoderLayerTest {

    @Test
    void stepByStepLayerEqualsForward() {
        try (DecoderModel m = DecoderModel.load(TestData.path("golden/qwen2"),
                RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU));
                NDManager scope = m.newScope()) {
            int weights = m.manager().getManagedArrays().size();
            long[] ids = {22, 506, 217, 201, 137, 437};
            NDArray idArr = scope.create(ids, new Shape(1, ids.length));
            NDArray pos = scope.create(new long[] {0, 1, 2, 3, 4, 5}, new Shape(1, ids.length));
            NDArray mask = Ops.causalMask(scope, 1, 0, ids.length, null);
            List<NDArray> hs = new ArrayList<>();
            m.forwardHidden(idArr, pos, mask, null, hs);

            NDArray h = m.embed(idArr);
            NDArray[] cs = m.rope(pos);
            for (DecoderLayer layer : m.layers()) {
                NDArray x = layer.inputNorm(h);
                NDArray q = Ops.applyRope(layer.project(x, layer.q(), m.config().numHeads()), cs[0], cs[1]);
                NDArray k = Ops.applyRope(layer.project(x, layer.k(), m.config().numKvHeads()), cs[0], cs[1]);
                NDArray v = layer.project(x, layer.v(), m.config().numKvHeads());
                h = layer.mlpBlock(h.add(layer.outProj(layer.attend(q, k, v, mask))));
            }
            float[] expected = hs.get(hs.size() - 1).toFloatArray();
            float[] got = m.finalNorm(h).toFloatArray();
            assertArrayEquals(expected, got, 1e-5f);
            assertEquals(weights, m.manager().getManagedArrays().size() - scope.getManagedArrays().size());
        }
    }
}

package dev.memorag.memory.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unusable inputs end in clear library exceptions, never a native crash. */
class BadInputTest {
    private static final RuntimeOptions CPU = RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU);

    private static Path copyWithConfig(Path dir, String family, java.util.function.Consumer<ObjectNode> edit)
            throws Exception {
        Path src = TestData.path("golden/" + family);
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"),
                StandardCopyOption.REPLACE_EXISTING);
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(src.resolve("config.json").toFile());
        edit.accept(cfg);
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        return dir;
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        try (CausalLm lm = CausalLm.load(TestData.path("golden/mistral"), CPU)) {
            ModelException e = assertThrows(ModelException.class, () -> lm.forward(new int[] {5, 512, 7}, false));
            assertTrue(e.getMessage().contains("512") && e.getMessage().contains("position 1"), e.getMessage());
            assertThrows(ModelException.class, () -> lm.forward(new int[] {-1}, false));
            try (CausalLm.Session s = lm.newSession(1)) {
                s.prefill(new int[] {5, 6});
                ModelException step = assertThrows(ModelException.class, () -> s.step(100000));
                assertTrue(step.getMessage().contains("100000"), step.getMessage());
            }
            assertThrows(InvalidInputException.class, () -> lm.forward(new int[0], false));
        }
    }

    @Test
    void shapeMismatchedWeightsNameTheTensor(@TempDir Path dir) throws Exception {
        copyWithConfig(dir, "mistral", c -> c.put("intermediate_size", 96));
        ModelException e = assertThrows(ModelException.class, () -> CausalLm.load(dir, CPU));
        assertTrue(e.getMessage().contains("mlp.gate_proj.weight") && e.getMessage().contains("[128, 64]")
                && e.getMessage().contains("[96, 64]"), e.getMessage());
    }

    @Test
    void missingUntiedHeadIsNamed(@TempDir Path dir) throws Exception {
        copyWithConfig(dir, "qwen2", c -> c.put("tie_word_embeddings", false));
        ModelException e = assertThrows(ModelException.class, () -> CausalLm.load(dir, CPU));
        assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
    }

    @Test
    void promptLongerThanMaxPositionsIsRejected(@TempDir Path dir) throws Exception {
        copyWithConfig(dir, "llama3", c -> c.put("max_position_embeddings", 16));
        try (CausalLm lm = CausalLm.load(dir, CPU)) {
            ModelException e = assertThrows(ModelException.class, () -> lm.forward(new int[20], false));
            assertTrue(e.getMessage().contains("max_position_embeddings 16"), e.getMessage());
            try (CausalLm.Session s = lm.newSession(1)) {
                s.prefill(new int[16]);
                assertThrows(ModelException.class, () -> s.step(3));
            }
        }
    }

    @Test
    void sessionsAndModelsRefuseUseAfterClose() {
        CausalLm lm = CausalLm.load(TestData.path("golden/qwen2"), CPU);
        int weights = lm.openArrayCount();
        CausalLm.Session s = lm.newSession(1);
        s.prefill(new int[] {3, 4, 5});
        assertTrue(lm.openArrayCount() > weights, "the probe must see the cache's arrays");
        s.close();
        s.close();
        assertEquals(weights, lm.openArrayCount());
        assertThrows(StateException.class, () -> s.step(3));
        lm.close();
        lm.close();
        assertThrows(StateException.class, () -> lm.forward(new int[] {3}, false));
    }
}

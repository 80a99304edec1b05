package dev.memorag.memory.lite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.MemoryModel;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiteMemoryModelProviderTest {
    @TempDir
    Path tmp;

    @Test
    void liteReferenceBuildsAGistMemoryOverTheChatModel() {
        Path chat = tmp.resolve("chat");
        RandomCheckpoint.write(chat, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 5);
        try (MemoryModel m = Providers.memoryModel("lite:" + chat, ProviderOptions.EMPTY)) {
            GistMemoryModel gist = assertInstanceOf(GistMemoryModel.class, m);
            assertTrue(gist.id().startsWith("gist:") && gist.id().contains("chat"), gist.id());
            assertFalse(gist.hasMemory());
        }
    }

    @Test
    void aMissingChatModelIsAClearError() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> Providers.memoryModel("lite: ", ProviderOptions.EMPTY));
        assertEquals("memory model reference 'lite: ' names no chat model after 'lite:'", e.getMessage());
    }
}

package dev.memorag.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.memorag.error.InvalidInputException;
import org.junit.jupiter.api.Test;

/** With only memorag-core on the class path (as here), the errors name the module that provides each component. */
class ProvidersTest {
    @Test
    void theDefaultEmbedderWithoutRetrievalNamesTheModule() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> Providers.embedder("bge-small-en-v1.5-q", ProviderOptions.EMPTY));
        assertEquals("no embedder provider supports reference 'bge-small-en-v1.5-q' (embedder providers come from "
                + "dev.memorag:memorag-retrieval; dev.memorag:memorag-all brings every module)", e.getMessage());
    }

    @Test
    void aGeneratorWithoutGenerationNamesBothModules() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> Providers.generator("openai:gpt-4o-mini", ProviderOptions.EMPTY));
        assertEquals("no generator provider supports reference 'openai:gpt-4o-mini' (generator providers come from "
                + "dev.memorag:memorag-generation (OpenAI-compatible) and dev.memorag:memorag-memory (local models); "
                + "dev.memorag:memorag-all brings every module)", e.getMessage());
    }
}

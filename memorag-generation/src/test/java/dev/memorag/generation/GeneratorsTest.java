package dev.memorag.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Generator;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorsTest {
    @TempDir
    Path tmp;

    @Test
    void openAiFromEnvironment() {
        OpenAiChatGenerator g = Generators.fromEnvironment(Map.of("OPENAI_API_KEY", "k1"));
        assertEquals(ApiProvider.OPENAI, g.provider());
        assertEquals("https://api.openai.com/v1/chat/completions", g.chatCompletionsUri().toString());
        assertEquals("openai:gpt-4o-mini", g.id());

        OpenAiChatGenerator custom = Generators.fromEnvironment(Map.of("OPENAI_API_KEY", "k1",
                "OPENAI_BASE_URL", "http://127.0.0.1:8000/v1/", "OPENAI_MODEL", "qwen"));
        assertEquals("http://127.0.0.1:8000/v1/chat/completions", custom.chatCompletionsUri().toString());
        assertEquals("openai:qwen@http://127.0.0.1:8000/v1", custom.id());
    }

    @Test
    void keylessCompatibleServerFromBaseUrlOnly() {
        OpenAiChatGenerator g = Generators.fromEnvironment(Map.of("OPENAI_BASE_URL", "http://localhost:11434/v1"));
        assertEquals(ApiProvider.OPENAI_COMPATIBLE, g.provider());
        assertEquals("openai-compatible:auto@http://localhost:11434/v1", g.id());
    }

    @Test
    void azureTakesPrecedenceAndNeedsADeployment() {
        Map<String, String> env = Map.of("AZURE_OPENAI_API_KEY", "ak", "AZURE_OPENAI_ENDPOINT",
                "https://res.openai.azure.com/", "AZURE_OPENAI_DEPLOYMENT", "gpt4o", "OPENAI_API_VERSION",
                "2024-06-01", "OPENAI_API_KEY", "k1");
        OpenAiChatGenerator g = Generators.fromEnvironment(env);
        assertEquals(ApiProvider.AZURE_OPENAI, g.provider());
        assertEquals("https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01",
                g.chatCompletionsUri().toString());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Generators.fromEnvironment(
                Map.of("AZURE_OPENAI_API_KEY", "ak", "AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com")));
        assertTrue(e.getMessage().contains("AZURE_OPENAI_DEPLOYMENT"), e.getMessage());
    }

    @Test
    void deepSeekFromEnvironment() {
        OpenAiChatGenerator g = Generators.fromEnvironment(Map.of("DEEPSEEK_API_KEY", "dk"));
        assertEquals(ApiProvider.DEEPSEEK, g.provider());
        assertEquals("https://api.deepseek.com/chat/completions", g.chatCompletionsUri().toString());
        assertEquals("deepseek:deepseek-chat", g.id());
    }

    @Test
    void emptyEnvironmentNamesTheVariables() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Generators.fromEnvironment(
                Map.of("OPENAI_API_KEY", "  ")));
        assertTrue(e.getMessage().contains("OPENAI_API_KEY") && e.getMessage().contains("DEEPSEEK_API_KEY"));
    }

    @Test
    void builderValidationNamesFieldAndValue() {
        InvalidInputException url = assertThrows(InvalidInputException.class,
                () -> OpenAiChatGenerator.compatible("ftp://x/v1").build());
        assertTrue(url.getMessage().contains("baseUrl") && url.getMessage().contains("ftp://x/v1"));
        InvalidInputException key = assertThrows(InvalidInputException.class,
                () -> OpenAiChatGenerator.openAi(null).model("m").build());
        assertTrue(key.getMessage().contains("apiKey"));
        InvalidInputException ctx = assertThrows(InvalidInputException.class,
                () -> OpenAiChatGenerator.compatible("http://h/v1").contextTokens(0).build());
        assertTrue(ctx.getMessage().contains("contextTokens") && ctx.getMessage().contains("0"));
        assertEquals(4096, OpenAiChatGenerator.compatible("http://h/v1").contextTokens(4096).build().contextTokens());
    }

    @Test
    void providerResolvesReferences() {
        OpenAiGeneratorProvider p = new OpenAiGeneratorProvider(Map.of("OPENAI_API_KEY", "k",
                "DEEPSEEK_API_KEY", "d", "AZURE_OPENAI_API_KEY", "a", "AZURE_OPENAI_ENDPOINT", "https://r.x.com"));
        assertTrue(p.supports("openai:gpt-4o-mini"));
        assertTrue(p.supports("http://127.0.0.1:8000/v1#qwen"));
        assertFalse(p.supports("golden/qwen2"));
        assertEquals("openai:gpt-4o-mini", p.create("openai:gpt-4o-mini", ProviderOptions.EMPTY).id());
        assertEquals("deepseek:deepseek-reasoner", p.create("deepseek:deepseek-reasoner", ProviderOptions.EMPTY).id());
        OpenAiChatGenerator az = (OpenAiChatGenerator) p.create("azure:dep1", ProviderOptions.EMPTY);
        assertTrue(az.chatCompletionsUri().toString().startsWith("https://r.x.com/openai/deployments/dep1/"));
        assertEquals("openai-compatible:qwen@http://127.0.0.1:8000/v1",
                p.create("http://127.0.0.1:8000/v1#qwen", ProviderOptions.EMPTY).id());
        assertEquals("openai-compatible:auto@http://127.0.0.1:8000/v1",
                p.create("http://127.0.0.1:8000/v1", ProviderOptions.EMPTY).id());
        Generator cached = p.create("openai:gpt-4o", new ProviderOptions(Map.of(
                OpenAiGeneratorProvider.CACHE_DIR, tmp.toString(), OpenAiGeneratorProvider.CONTEXT_TOKENS, "128000")));
        assertInstanceOf(CachingGenerator.class, cached);
        assertEquals(128000, cached.contextTokens());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> p.create("openai:", ProviderOptions.EMPTY));
        assertTrue(e.getMessage().contains("openai:"));
    }

    @Test
    void serviceLoaderFindsTheProvider() {
        Generator g = Providers.generator("http://127.0.0.1:9/v1#m", ProviderOptions.EMPTY);
        assertInstanceOf(OpenAiChatGenerator.class, g);
    }
}

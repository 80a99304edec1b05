package dev.memorag.generation;

/**
 * The flavours of the chat-completions API that {@link OpenAiChatGenerator} speaks. They differ in the URL layout, the
 * authentication header and the default base URL; the request and response bodies are the same.
 *
 * <p>Thread-safety: immutable.
 */
public enum ApiProvider {
    /** api.openai.com, {@code Authorization: Bearer} key. */
    OPENAI("openai", "https://api.openai.com/v1"),
    /** An Azure OpenAI resource: deployment in the path, {@code api-version} query, {@code api-key} header. */
    AZURE_OPENAI("azure", null),
    /** api.deepseek.com, {@code Authorization: Bearer} key. */
    DEEPSEEK("deepseek", "https://api.deepseek.com"),
    /** Any server with an OpenAI-compatible {@code /chat/completions} (vLLM, Ollama, LM Studio); key optional. */
    OPENAI_COMPATIBLE("openai-compatible", null);

    private final String label;
    private final String defaultBaseUrl;

    ApiProvider(String label, String defaultBaseUrl) {
        this.label = label;
        this.defaultBaseUrl = defaultBaseUrl;
    }

    /** Short lower-case name used in generator ids and messages. */
    public String label() {
        return label;
    }

    /** The base URL used when none is configured, or null when one is required. */
    public String defaultBaseUrl() {
        return defaultBaseUrl;
    }
}

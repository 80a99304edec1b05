/**
 * Remote text generators over the OpenAI chat-completions API, on {@code java.net.http} and Jackson only.
 *
 * <ul>
 *   <li>{@link dev.memorag.generation.OpenAiChatGenerator}: OpenAI, Azure OpenAI, DeepSeek or any compatible server
 *       (vLLM, Ollama, LM Studio), with streaming, timeouts, retries ({@link dev.memorag.generation.RetryPolicy}),
 *       cancellation and masked keys ({@link dev.memorag.generation.Secret}).</li>
 *   <li>{@link dev.memorag.generation.CachingGenerator}: an on-disk cache of answers keyed by the whole request.</li>
 *   <li>{@link dev.memorag.generation.Generators}: configuration from {@code OPENAI_*}, {@code AZURE_OPENAI_*} and
 *       {@code DEEPSEEK_API_KEY}; {@link dev.memorag.generation.OpenAiGeneratorProvider} resolves references such as
 *       {@code openai:gpt-4o-mini} through {@link dev.memorag.spi.Providers#generator}.</li>
 * </ul>
 *
 * <pre>{@code
 * try (Generator g = OpenAiChatGenerator.compatible("http://127.0.0.1:8000/v1").model("Qwen2.5-7B-Instruct")
 *         .readTimeout(Duration.ofSeconds(60)).build()) {
 *     GenerationResult r = g.generate(List.of(ChatMessage.user("Hello")), GenerationOptions.greedy(64),
 *             System.out::print);
 * }
 * }</pre>
 */
package dev.memorag.generation;

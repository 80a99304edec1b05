package dev.memorag.generation;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Generator;
import dev.memorag.spi.GeneratorProvider;
import dev.memorag.spi.ProviderOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Resolves generator references to {@link OpenAiChatGenerator}s:
 * <ul>
 *   <li>{@code openai:<model>}: OpenAI with {@code OPENAI_API_KEY} (and {@code OPENAI_BASE_URL} if set);</li>
 *   <li>{@code deepseek:<model>}: DeepSeek with {@code DEEPSEEK_API_KEY};</li>
 *   <li>{@code azure:<deployment>}: Azure OpenAI with {@code AZURE_OPENAI_API_KEY}, {@code AZURE_OPENAI_ENDPOINT}
 *       and optionally {@code OPENAI_API_VERSION};</li>
 *   <li>{@code http(s)://host:port/v1[#model]}: any OpenAI-compatible server; without {@code #model} the server's
 *       first listed model; no key unless option {@value #API_KEY} is given.</li>
 * </ul>
 * Options: {@value #API_KEY} (overrides the environment's key), {@value #CONTEXT_TOKENS}, {@value #READ_TIMEOUT_S},
 * {@value #MAX_ATTEMPTS}, and {@value #CACHE_DIR} (wraps the generator in a {@link CachingGenerator}).
 *
 * <p>Thread-safety: stateless; thread-safe.
 */
public final class OpenAiGeneratorProvider implements GeneratorProvider {
    public static final String API_KEY = "api_key";
    public static final String CONTEXT_TOKENS = "context_tokens";
    public static final String READ_TIMEOUT_S = "read_timeout_s";
    public static final String MAX_ATTEMPTS = "max_attempts";
    public static final String CACHE_DIR = "cache_dir";

    private final Map<String, String> env;

    /** The provider ServiceLoader creates: reads keys from the process environment. */
    public OpenAiGeneratorProvider() {
        this(System.getenv());
    }

    /** A provider that reads keys from {@code env} instead of the process environment. */
    public OpenAiGeneratorProvider(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    @Override
    public boolean supports(String reference) {
        String r = reference.strip();
        return r.startsWith("openai:") || r.startsWith("deepseek:") || r.startsWith("azure:")
                || r.startsWith("http://") || r.startsWith("https://");
    }

    @Override
    public Generator create(String reference, ProviderOptions options) {
        String r = reference.strip();
        OpenAiChatGenerator.Builder b;
        if (r.startsWith("http://") || r.startsWith("https://")) {
            int hash = r.indexOf('#');
            String url = hash < 0 ? r : r.substring(0, hash);
            String model = hash < 0 ? null : r.substring(hash + 1);
            b = OpenAiChatGenerator.compatible(url).model(model == null || model.isBlank() ? null : model);
        } else {
            int colon = r.indexOf(':');
            String scheme = r.substring(0, colon);
            String name = r.substring(colon + 1).strip();
            if (name.isEmpty()) {
                throw new InvalidInputException("generator reference '" + reference + "' names no "
                        + (scheme.equals("azure") ? "deployment" : "model") + " after '" + scheme + ":'");
            }
            b = switch (scheme) {
                case "openai" -> Generators.openAi(env, name);
                case "deepseek" -> Generators.deepSeek(env, name);
                default -> Generators.azure(env, name);
            };
        }
        options.get(API_KEY).ifPresent(b::apiKey);
        if (options.get(CONTEXT_TOKENS).isPresent()) {
            b.contextTokens(options.intValue(CONTEXT_TOKENS, 0));
        }
        if (options.get(READ_TIMEOUT_S).isPresent()) {
            b.readTimeout(Duration.ofSeconds(options.intValue(READ_TIMEOUT_S, 0)));
        }
        if (options.get(MAX_ATTEMPTS).isPresent()) {
            b.retryPolicy(RetryPolicy.builder().maxAttempts(options.intValue(MAX_ATTEMPTS, 0)).build());
        }
        OpenAiChatGenerator g = b.build();
        return options.get(CACHE_DIR).<Generator>map(d -> CachingGenerator.of(g, Path.of(d))).orElse(g);
    }
}

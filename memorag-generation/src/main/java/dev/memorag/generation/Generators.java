package dev.memorag.generation;

import dev.memorag.error.InvalidInputException;
import java.util.Map;
import java.util.Objects;

/**
 * Creates {@link OpenAiChatGenerator}s from the environment variables the OpenAI, Azure and DeepSeek SDKs use.
 *
 * <p>{@link #fromEnvironment(Map)} picks the first configured provider in this order:
 * <ol>
 *   <li>Azure OpenAI when {@code AZURE_OPENAI_API_KEY} and {@code AZURE_OPENAI_ENDPOINT} are set
 *       ({@code AZURE_OPENAI_DEPLOYMENT} required, {@code OPENAI_API_VERSION} optional);</li>
 *   <li>OpenAI when {@code OPENAI_API_KEY} is set ({@code OPENAI_BASE_URL} optional, {@code OPENAI_MODEL} default
 *       {@value #DEFAULT_OPENAI_MODEL}); with only {@code OPENAI_BASE_URL} set, a key-less OpenAI-compatible server
 *       (model from {@code OPENAI_MODEL}, else the server's first listed model);</li>
 *   <li>DeepSeek when {@code DEEPSEEK_API_KEY} is set (model {@code deepseek-chat}).</li>
 * </ol>
 *
 * <p>Thread-safety: stateless; thread-safe.
 */
public final class Generators {
    public static final String OPENAI_API_KEY = "OPENAI_API_KEY";
    public static final String OPENAI_BASE_URL = "OPENAI_BASE_URL";
    public static final String OPENAI_MODEL = "OPENAI_MODEL";
    public static final String OPENAI_API_VERSION = "OPENAI_API_VERSION";
    public static final String AZURE_OPENAI_API_KEY = "AZURE_OPENAI_API_KEY";
    public static final String AZURE_OPENAI_ENDPOINT = "AZURE_OPENAI_ENDPOINT";
    public static final String AZURE_OPENAI_DEPLOYMENT = "AZURE_OPENAI_DEPLOYMENT";
    public static final String DEEPSEEK_API_KEY = "DEEPSEEK_API_KEY";
    /** Model used for OpenAI when {@code OPENAI_MODEL} is not set. */
    public static final String DEFAULT_OPENAI_MODEL = "gpt-4o-mini";

    private Generators() {
    }

    /** A generator configured from the process environment ({@link System#getenv()}). */
    public static OpenAiChatGenerator fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** A generator configured from {@code env}; see the class comment for the variables. */
    public static OpenAiChatGenerator fromEnvironment(Map<String, String> env) {
        return builderFromEnvironment(env).build();
    }

    /** Like {@link #fromEnvironment(Map)} but returns the builder, for setting timeouts, retries and the like. */
    public static OpenAiChatGenerator.Builder builderFromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        if (present(env, AZURE_OPENAI_API_KEY) && present(env, AZURE_OPENAI_ENDPOINT)) {
            return azure(env, get(env, AZURE_OPENAI_DEPLOYMENT));
        }
        if (present(env, OPENAI_API_KEY) || present(env, OPENAI_BASE_URL)) {
            return openAi(env, get(env, OPENAI_MODEL));
        }
        if (present(env, DEEPSEEK_API_KEY)) {
            return deepSeek(env, null);
        }
        throw new InvalidInputException("no generator configured in the environment: set " + OPENAI_API_KEY
                + " (optionally " + OPENAI_BASE_URL + ", " + OPENAI_MODEL + "), or " + AZURE_OPENAI_API_KEY + " + "
                + AZURE_OPENAI_ENDPOINT + " + " + AZURE_OPENAI_DEPLOYMENT + ", or " + DEEPSEEK_API_KEY);
    }

    /**
     * OpenAI (or the server at {@code OPENAI_BASE_URL}) with {@code model}, or {@code OPENAI_MODEL}, or the default.
     * Without {@code OPENAI_API_KEY} a key-less compatible server at {@code OPENAI_BASE_URL} is assumed.
     */
    public static OpenAiChatGenerator.Builder openAi(Map<String, String> env, String model) {
        String key = get(env, OPENAI_API_KEY);
        String base = get(env, OPENAI_BASE_URL);
        if (key == null) {
            if (base == null) {
                throw new InvalidInputException("OpenAI generator: environment variable " + OPENAI_API_KEY
                        + " is not set (or set " + OPENAI_BASE_URL + " for a key-less compatible server)");
            }
            return OpenAiChatGenerator.compatible(base).model(model != null ? model : get(env, OPENAI_MODEL));
        }
        OpenAiChatGenerator.Builder b = OpenAiChatGenerator.openAi(key)
                .model(model != null ? model : orDefault(get(env, OPENAI_MODEL), DEFAULT_OPENAI_MODEL));
        if (base != null) {
            b.baseUrl(base);
        }
        return b;
    }

    /** DeepSeek with {@code DEEPSEEK_API_KEY}; {@code model} null means {@code deepseek-chat}. */
    public static OpenAiChatGenerator.Builder deepSeek(Map<String, String> env, String model) {
        String key = get(env, DEEPSEEK_API_KEY);
        if (key == null) {
            throw new InvalidInputException("DeepSeek generator: environment variable " + DEEPSEEK_API_KEY
                    + " is not set");
        }
        OpenAiChatGenerator.Builder b = OpenAiChatGenerator.deepSeek(key);
        return model == null ? b : b.model(model);
    }

    /** Azure OpenAI {@code deployment} (null: {@code AZURE_OPENAI_DEPLOYMENT}) from the {@code AZURE_OPENAI_*} variables. */
    public static OpenAiChatGenerator.Builder azure(Map<String, String> env, String deployment) {
        String key = require(env, AZURE_OPENAI_API_KEY, "Azure OpenAI generator");
        String endpoint = require(env, AZURE_OPENAI_ENDPOINT, "Azure OpenAI generator");
        String dep = deployment != null ? deployment : require(env, AZURE_OPENAI_DEPLOYMENT, "Azure OpenAI generator");
        OpenAiChatGenerator.Builder b = OpenAiChatGenerator.azure(endpoint, dep, key);
        String version = get(env, OPENAI_API_VERSION);
        return version == null ? b : b.apiVersion(version);
    }

    private static String require(Map<String, String> env, String name, String who) {
        String v = get(env, name);
        if (v == null) {
            throw new InvalidInputException(who + ": environment variable " + name + " is not set");
        }
        return v;
    }

    private static boolean present(Map<String, String> env, String name) {
        return get(env, name) != null;
    }

    private static String get(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }
}

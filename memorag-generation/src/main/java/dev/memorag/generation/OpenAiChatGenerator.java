package dev.memorag.generation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CancelledException;
import dev.memorag.error.GenerationException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.api.CancellationToken;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.TokenCounter;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import dev.memorag.text.Cl100kTokenCounter;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Generator} that calls an OpenAI-style {@code /chat/completions} endpoint (OpenAI, Azure OpenAI, DeepSeek,
 * or any compatible server such as vLLM, Ollama or LM Studio) over {@code java.net.http}.
 *
 * <p><b>Requests.</b> {@code maxNewTokens}, {@code temperature}, {@code topP}, {@code stop} and {@code seed} are sent as
 * {@code max_tokens}, {@code temperature}, {@code top_p}, {@code stop} and {@code seed}; {@code topK} and
 * {@code repetitionPenalty} have no equivalent in the API and are not sent. When the listener is not
 * {@link TokenListener#NONE} and streaming is enabled, the reply is streamed over server-sent events and each text delta
 * is handed to the listener as it arrives.
 *
 * <p><b>Usage.</b> Every result carries token usage: the API's own figures when it reports them (streams ask for them
 * with {@code stream_options.include_usage}), otherwise an estimate counted with cl100k (message contents for the
 * prompt, the reply for the completion).
 *
 * <p><b>Resilience.</b> Connect and read timeouts (the read timeout bounds the wait for the headers and every gap
 * between body data); HTTP 429, 5xx and network failures (timeouts included) are retried per the {@link RetryPolicy},
 * honouring {@code Retry-After}; other 4xx are not retried and their server message is put in the
 * {@link GenerationException}. A stream that breaks <em>before</em> any text reached the listener is retried like any
 * network failure; one that breaks <em>after</em> text was delivered is never retried (the listener cannot take text
 * back) and fails with a {@link GenerationException} whose message says how many characters were delivered, with
 * {@code statusCode() == -1} and {@code retryable() == true} so a caller that can discard the partial text may repeat
 * the call. Cancellation through {@link GenerationOptions#cancellation()} is honoured while waiting for the server,
 * between streamed events and during backoff, and ends with {@link CancelledException}.
 *
 * <p><b>Secrets.</b> The API key is sent only in its header; it is masked in {@link #toString()} and scrubbed from
 * server messages, exception messages and log lines. Request logging is off by default; when on, it logs at INFO with
 * the auth header masked.
 *
 * <p>Thread-safety: thread-safe; one instance serves concurrent calls over one shared {@link HttpClient}.
 */
public final class OpenAiChatGenerator implements Generator {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiChatGenerator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest server error body kept in an exception message. */
    private static final int MAX_ERROR_CHARS = 500;
    /** Largest non-streaming response body accepted (a runaway server must not exhaust memory). */
    private static final int MAX_BODY_CHARS = 32 << 20;
    private static final long SLEEP_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    /** How long to wait for the end of a stream after its {@code [DONE]} event. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofMillis(500);

    private final ApiProvider provider;
    private final String baseUrl;
    private final URI chatUri;
    private final URI modelsUri;
    private final String configuredModel;
    private volatile String resolvedModel;
    private final Secret apiKey;
    private final String authHeader;
    private final Duration readTimeout;
    private final Duration connectTimeout;
    private final RetryPolicy retryPolicy;
    private final Random jitter;
    private final boolean streaming;
    private final boolean streamUsage;
    private final boolean logRequests;
    private final int contextTokens;
    private final TokenCounter counter;
    private final HttpClient http;
    private final String id;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OpenAiChatGenerator(Builder b, URI chatUri, URI modelsUri, String baseUrl) {
        this.provider = b.provider;
        this.baseUrl = baseUrl;
        this.chatUri = chatUri;
        this.modelsUri = modelsUri;
        this.configuredModel = b.provider == ApiProvider.AZURE_OPENAI ? b.deployment : b.model;
        this.resolvedModel = configuredModel;
        this.apiKey = b.apiKey == null ? null : Secret.of(b.apiKey, "apiKey");
        this.authHeader = b.provider == ApiProvider.AZURE_OPENAI ? "api-key" : "Authorization";
        this.readTimeout = b.readTimeout;
        this.connectTimeout = b.connectTimeout;
        this.retryPolicy = b.retryPolicy;
        this.jitter = b.retryPolicy.newRandom();
        this.streaming = b.streaming;
        this.streamUsage = b.streamUsage;
        this.logRequests = b.logRequests;
        this.contextTokens = b.contextTokens;
        this.counter = b.tokenCounter;
        this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        String label = configuredModel == null ? "auto" : configuredModel;
        boolean defaultBase = Objects.equals(baseUrl, provider.defaultBaseUrl());
        this.id = provider.label() + ":" + label + (defaultBase ? "" : "@" + baseUrl);
    }

    /** A builder for api.openai.com (or another base URL set with {@link Builder#baseUrl}). */
    public static Builder openAi(String apiKey) {
        return new Builder(ApiProvider.OPENAI).apiKey(apiKey);
    }

    /** A builder for api.deepseek.com; the model defaults to {@code deepseek-chat}. */
    public static Builder deepSeek(String apiKey) {
        return new Builder(ApiProvider.DEEPSEEK).apiKey(apiKey).model("deepseek-chat");
    }

    /**
     * A builder for an Azure OpenAI deployment.
     *
     * @param endpoint the resource endpoint, for example {@code https://my-resource.openai.azure.com}
     * @param deployment the deployment name (the model is whatever the deployment serves)
     */
    public static Builder azure(String endpoint, String deployment, String apiKey) {
        Builder b = new Builder(ApiProvider.AZURE_OPENAI).apiKey(apiKey);
        b.baseUrl = endpoint;
        b.deployment = deployment;
        return b;
    }

    /**
     * A builder for any OpenAI-compatible server at {@code baseUrl} (the URL that {@code /chat/completions} is appended
     * to, usually ending in {@code /v1}). Key optional; when no model is set, the first id listed by
     * {@code GET /models} is used.
     */
    public static Builder compatible(String baseUrl) {
        Builder b = new Builder(ApiProvider.OPENAI_COMPATIBLE);
        b.baseUrl = baseUrl;
        return b;
    }

    public ApiProvider provider() {
        return provider;
    }

    /** The chat-completions URL this generator posts to. */
    public URI chatCompletionsUri() {
        return chatUri;
    }

    /**
     * {@code <provider>:<model>}, followed by {@code @<base URL>} when the URL is not the provider's default; the
     * model reads {@code auto} when it is discovered from the server at the first call.
     */
    @Override
    public String id() {
        return id;
    }

    @Override
    public int contextTokens() {
        return contextTokens;
    }

    @Override
    public GenerationResult generate(List<ChatMessage> messages, GenerationOptions options, TokenListener listener) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        if (closed.get()) {
            throw new StateException("generator " + id + " is closed");
        }
        if (messages.isEmpty()) {
            throw new InvalidInputException("generate: messages must not be empty");
        }
        CancellationToken cancel = options.cancellation();
        String what = "chat completion " + id;
        cancel.throwIfCancelled(what);
        boolean stream = streaming && listener != TokenListener.NONE;
        byte[] body = requestBody(model(cancel), messages, options, stream);

        long start = System.nanoTime();
        long retryDeadline = start + retryPolicy.maxRetryTime().toNanos();
        int[] delivered = {0};
        for (int attempt = 1; ; attempt++) {
            cancel.throwIfCancelled(what);
            try {
                return attempt(body, stream, messages, listener, cancel, delivered, what);
            } catch (AttemptFailure f) {
                if (!f.retryable || f.partial) {
                    throw f.toException(attempt);
                }
                if (attempt >= retryPolicy.maxAttempts()) {
                    throw f.toException(attempt, attempt == 1 ? "not retried: maxAttempts is 1"
                            : "giving up after " + attempt + " attempts");
                }
                Duration wait = f.retryAfter != null ? f.retryAfter : retryPolicy.backoff(attempt, jitter);
                long waitEnds = System.nanoTime() + wait.toNanos();
                if (waitEnds - retryDeadline > 0) {
                    throw f.toException(attempt, "giving up after " + attempt + " attempts: the next retry in "
                            + wait.toMillis() + " ms would pass the retry time bound of "
                            + retryPolicy.maxRetryTime().toMillis() + " ms");
                }
                LOG.warn("{}: attempt {}/{} failed ({}); retrying in {} ms", id, attempt,
                        retryPolicy.maxAttempts(), redact(f.getMessage()), wait.toMillis());
                sleep(wait, cancel, what);
            }
        }
    }

    private GenerationResult attempt(byte[] body, boolean stream, List<ChatMessage> messages,
            TokenListener listener, CancellationToken cancel, int[] delivered, String what) throws AttemptFailure {
        HttpRequest.Builder rb = HttpRequest.newBuilder(chatUri)
                .timeout(readTimeout)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if ("http".equalsIgnoreCase(chatUri.getScheme())) {
            // Plain-text servers (vLLM, Ollama) speak HTTP/1.1; skipping the h2c upgrade attempt avoids surprises.
            rb.version(HttpClient.Version.HTTP_1_1);
        }
        if (apiKey != null) {
            rb.header(authHeader, provider == ApiProvider.AZURE_OPENAI ? apiKey.reveal() : "Bearer " + apiKey.reveal());
        }
        if (logRequests) {
            LOG.info("POST {} headers={{Content-Type=application/json{}}} body={}", chatUri,
                    apiKey == null ? "" : ", " + authHeader + "=" + Secret.MASK,
                    redact(new String(body, StandardCharsets.UTF_8)));
        }
        ResponseLines lines = new ResponseLines();
        CompletableFuture<HttpResponse<Void>> exchange;
        try {
            exchange = http.sendAsync(rb.build(), lines);
        } catch (IllegalArgumentException | SecurityException e) {
            throw new AttemptFailure("cannot send request to " + chatUri + ": " + e.getMessage(), -1, false, e);
        }
        exchange.whenComplete((r, e) -> {
            if (e != null) {
                lines.fail(e);
            }
        });
        try {
            HttpResponse.ResponseInfo head = lines.awaitHead(readTimeout, cancel, what);
            int status = head.statusCode();
            if (logRequests) {
                LOG.info("POST {} -> HTTP {}", chatUri, status);
            }
            if (status < 200 || status > 299) {
                String errorBody = readBody(lines, cancel, what, MAX_ERROR_CHARS * 8);
                boolean retryable = status == 429 || status >= 500;
                AttemptFailure f = new AttemptFailure("HTTP " + status + " from " + chatUri + ": "
                        + serverMessage(errorBody), status, retryable, null);
                if (retryable) {
                    f.retryAfter = RetryAfter.parse(head.headers(), Instant.now()).orElse(null);
                }
                throw f;
            }
            return stream
                    ? readStream(lines, messages, listener, cancel, delivered, what)
                    : readJson(lines, messages, listener, cancel, what, status);
        } catch (IOException e) {
            // Network failures and timeouts: retryable unless text already reached the listener.
            String msg = (e instanceof java.net.http.HttpTimeoutException ? "timed out: " : "network error: ")
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            if (delivered[0] > 0) {
                AttemptFailure f = new AttemptFailure("connection to " + chatUri + " failed mid-stream after "
                        + delivered[0] + " characters were delivered to the listener (not retried: the listener "
                        + "cannot take text back): " + msg, -1, true, e);
                f.partial = true;
                throw f;
            }
            throw new AttemptFailure("request to " + chatUri + " failed: " + msg, -1, true, e);
        } finally {
            if (!lines.ended()) {
                lines.abort();
                exchange.cancel(true);
            }
        }
    }

    private GenerationResult readJson(ResponseLines lines, List<ChatMessage> messages, TokenListener listener,
            CancellationToken cancel, String what, int status) throws IOException, AttemptFailure {
        String text = readBody(lines, cancel, what, MAX_BODY_CHARS);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AttemptFailure("malformed JSON in HTTP " + status + " response from " + chatUri + ": "
                    + e.getOriginalMessage() + "; body starts: " + excerpt(text), status, false, null);
        }
        if (root == null || !root.isObject()) {
            throw new AttemptFailure("HTTP " + status + " response from " + chatUri + " is not a JSON object; body "
                    + "starts: " + excerpt(text), status, false, null);
        }
        if (root.hasNonNull("error")) {
            throw new AttemptFailure("error in HTTP " + status + " response from " + chatUri + ": "
                    + serverMessage(text), status, false, null);
        }
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new AttemptFailure("response from " + chatUri + " has no choices[0].message; body starts: "
                    + excerpt(text), status, false, null);
        }
        String content = message.path("content").isTextual() ? message.path("content").asText() : "";
        deliver(listener, content);
        return new GenerationResult(content, finishReason(choice.path("finish_reason")),
                usage(root.path("usage"), messages, content));
    }

    private GenerationResult readStream(ResponseLines lines, List<ChatMessage> messages, TokenListener listener,
            CancellationToken cancel, int[] delivered, String what) throws IOException, AttemptFailure {
        StreamState state = new StreamState();
        StringBuilder data = new StringBuilder();
        boolean hasData = false;
        while (!state.done) {
            String line = lines.nextLine(readTimeout, cancel, what);
            if (line == null) {
                break;
            }
            if (line.isEmpty()) {
                if (hasData) {
                    onEvent(data.toString(), state, listener, delivered);
                    data.setLength(0);
                    hasData = false;
                }
            } else if (line.startsWith("data:")) {
                String v = line.substring(5);
                if (hasData) {
                    data.append('\n');
                }
                data.append(v.startsWith(" ") ? v.substring(1) : v);
                hasData = true;
            }
            // Comments (":") and other SSE fields (event, id, retry) carry nothing for chat completions.
        }
        if (!state.done && hasData) {
            onEvent(data.toString(), state, listener, delivered);
        }
        if (state.done) {
            drainAfterDone(lines, cancel, what);
        }
        if (!state.done && state.finish == null) {
            String msg = "stream from " + chatUri + " ended before completion (no [DONE], no finish_reason)";
            if (delivered[0] > 0) {
                AttemptFailure f = new AttemptFailure(msg + " after " + delivered[0] + " characters were delivered "
                        + "to the listener (not retried: the listener cannot take text back)", -1, true, null);
                f.partial = true;
                throw f;
            }
            throw new AttemptFailure(msg, -1, true, null);
        }
        String text = state.text.toString();
        TokenUsage usage = state.usage != null ? state.usage : usage(null, messages, text);
        return new GenerationResult(text, state.finish == null ? FinishReason.STOP : state.finish, usage);
    }

    /**
     * Reads the (normally empty) rest of a stream after {@code [DONE]}, so the connection goes back to the pool
     * intact instead of being closed; a server that keeps sending is cut off by the caller's abort.
     */
    private static void drainAfterDone(ResponseLines lines, CancellationToken cancel, String what) {
        try {
            for (int i = 0; i < 16 && lines.nextLine(DRAIN_TIMEOUT, cancel, what) != null; i++) {
                // discard
            }
        } catch (IOException e) {
            // The answer is complete; a broken tail only costs the connection.
        }
    }

    private static final class StreamState {
        final StringBuilder text = new StringBuilder();
        FinishReason finish;
        TokenUsage usage;
        boolean done;
    }

    private void onEvent(String data, StreamState state, TokenListener listener, int[] delivered)
            throws AttemptFailure {
        if (data.strip().equals("[DONE]")) {
            state.done = true;
            return;
        }
        JsonNode event;
        try {
            event = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            AttemptFailure f = new AttemptFailure("malformed JSON event in stream from " + chatUri + ": "
                    + e.getOriginalMessage() + "; event starts: " + excerpt(data), 200, false, null);
            f.partial = delivered[0] > 0;
            throw f;
        }
        if (event == null || !event.isObject()) {
            return;
        }
        if (event.hasNonNull("error")) {
            AttemptFailure f = new AttemptFailure("error event in stream from " + chatUri + ": "
                    + serverMessage(data), 200, false, null);
            f.partial = delivered[0] > 0;
            throw f;
        }
        JsonNode choice = event.path("choices").path(0);
        JsonNode content = choice.path("delta").path("content");
        if (content.isTextual() && !content.asText().isEmpty()) {
            String piece = content.asText();
            state.text.append(piece);
            delivered[0] += piece.length();
            deliver(listener, piece);
        }
        if (choice.hasNonNull("finish_reason")) {
            state.finish = finishReason(choice.get("finish_reason"));
        }
        JsonNode usage = event.path("usage");
        if (usage.isObject() && usage.has("prompt_tokens")) {
            state.usage = new TokenUsage(Math.max(0, usage.path("prompt_tokens").asLong()),
                    Math.max(0, usage.path("completion_tokens").asLong()));
        }
    }

    private static void deliver(TokenListener listener, String piece) {
        if (piece.isEmpty()) {
            return;
        }
        try {
            listener.onText(piece);
        } catch (MemoRagException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GenerationException("token listener failed: " + e, e);
        }
    }

    private String readBody(ResponseLines lines, CancellationToken cancel, String what, int limit)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        String line;
        while ((line = lines.nextLine(readTimeout, cancel, what)) != null) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(line);
            if (sb.length() > limit) {
                break;
            }
        }
        return sb.toString();
    }

    private TokenUsage usage(JsonNode node, List<ChatMessage> messages, String completion) {
        if (node != null && node.isObject() && node.has("prompt_tokens")) {
            return new TokenUsage(Math.max(0, node.path("prompt_tokens").asLong()),
                    Math.max(0, node.path("completion_tokens").asLong()));
        }
        long prompt = 0;
        for (ChatMessage m : messages) {
            prompt += counter.count(m.content());
        }
        return new TokenUsage(prompt, counter.count(completion));
    }

    private static FinishReason finishReason(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return FinishReason.STOP;
        }
        return switch (node.asText()) {
            case "stop", "eos", "end_turn" -> FinishReason.STOP;
            case "length", "max_tokens" -> FinishReason.LENGTH;
            default -> FinishReason.OTHER;
        };
    }

    /** The server's own error message ({@code error.message}), or the start of the body. */
    private String serverMessage(String body) {
        String msg = null;
        try {
            JsonNode root = JSON.readTree(body);
            if (root != null) {
                JsonNode err = root.path("error");
                if (err.isTextual()) {
                    msg = err.asText();
                } else if (err.path("message").isTextual()) {
                    msg = err.path("message").asText();
                } else if (root.path("message").isTextual()) {
                    msg = root.path("message").asText();
                }
            }
        } catch (JsonProcessingException e) {
            // Not JSON (a proxy's HTML page): fall back to the raw body.
        }
        return msg != null ? redact(msg) : (body.isBlank() ? "(empty body)" : excerpt(body));
    }

    private String excerpt(String text) {
        String t = text.length() > MAX_ERROR_CHARS ? text.substring(0, MAX_ERROR_CHARS) + "..." : text;
        return redact(t);
    }

    private String redact(String text) {
        return apiKey == null ? text : apiKey.redact(text);
    }

    private byte[] requestBody(String model, List<ChatMessage> messages, GenerationOptions options, boolean stream) {
        ObjectNode root = JSON.createObjectNode();
        if (provider != ApiProvider.AZURE_OPENAI) {
            root.put("model", model);
        }
        ArrayNode msgs = root.putArray("messages");
        for (ChatMessage m : messages) {
            msgs.addObject().put("role", m.role().wireName()).put("content", m.content());
        }
        root.put("temperature", options.temperature());
        root.put("top_p", options.topP());
        root.put("max_tokens", options.maxNewTokens());
        if (!options.stop().isEmpty()) {
            ArrayNode stop = root.putArray("stop");
            options.stop().forEach(stop::add);
        }
        if (options.seed() != null) {
            root.put("seed", options.seed());
        }
        if (stream) {
            root.put("stream", true);
            if (streamUsage) {
                root.putObject("stream_options").put("include_usage", true);
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new GenerationException("cannot encode request for " + id + ": " + e.getOriginalMessage(), e);
        }
    }

    /** The configured model, or for a compatible server without one, the first model it lists (asked once). */
    private String model(CancellationToken cancel) {
        String m = resolvedModel;
        if (m != null) {
            return m;
        }
        synchronized (this) {
            if (resolvedModel == null) {
                resolvedModel = fetchFirstModel(cancel);
                LOG.info("{}: using model '{}' listed by {}", id, resolvedModel, modelsUri);
            }
            return resolvedModel;
        }
    }

    private String fetchFirstModel(CancellationToken cancel) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(modelsUri).timeout(readTimeout).GET();
        if ("http".equalsIgnoreCase(modelsUri.getScheme())) {
            rb.version(HttpClient.Version.HTTP_1_1);
        }
        if (apiKey != null) {
            rb.header(authHeader, "Bearer " + apiKey.reveal());
        }
        cancel.throwIfCancelled("listing models at " + modelsUri);
        try {
            HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new GenerationException("no model configured and GET " + modelsUri + " answered HTTP "
                        + r.statusCode() + ": " + serverMessage(r.body()) + "; set the model explicitly",
                        r.statusCode(), r.statusCode() == 429 || r.statusCode() >= 500, null);
            }
            JsonNode first = JSON.readTree(r.body()).path("data").path(0).path("id");
            if (!first.isTextual() || first.asText().isBlank()) {
                throw new GenerationException("no model configured and GET " + modelsUri
                        + " listed none (field data[0].id); set the model explicitly");
            }
            return first.asText();
        } catch (IOException e) {
            throw new GenerationException("no model configured and GET " + modelsUri + " failed: "
                    + redact(e.getMessage()) + "; set the model explicitly", -1, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancelledException("listing models at " + modelsUri + " was interrupted", e);
        }
    }

    private static void sleep(Duration wait, CancellationToken cancel, String what) {
        long end = System.nanoTime() + wait.toNanos();
        while (true) {
            cancel.throwIfCancelled(what);
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, SLEEP_SLICE_NANOS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancelledException(what + " was interrupted during retry backoff", e);
            }
        }
    }

    @Override
    public void close() {
        // HttpClient has no close() on Java 17; its threads are daemons and end when it is unreachable.
        closed.set(true);
    }

    @Override
    public String toString() {
        return "OpenAiChatGenerator[id=" + id + ", url=" + chatUri + ", apiKey=" + (apiKey == null ? "none" : apiKey)
                + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout + ", retry=" + retryPolicy
                + "]";
    }

    /** One failed attempt; becomes a {@link GenerationException} when it is not retried. */
    private final class AttemptFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final boolean retryable;
        /** Text already reached the listener, so this attempt must not be repeated. */
        boolean partial;
        Duration retryAfter;

        AttemptFailure(String message, int status, boolean retryable, Throwable cause) {
            super(redact(message), cause);
            this.status = status;
            this.retryable = retryable;
        }

        GenerationException toException(int attempts) {
            return toException(attempts, attempts == 1 ? "not retried" : "after " + attempts + " attempts");
        }

        GenerationException toException(int attempts, String how) {
            // The cause's own message may hold a URL or server text but never the key: it is only ever in a header.
            return new GenerationException(id + ": " + getMessage() + " (" + how + ")", status, retryable,
                    getCause());
        }
    }

    /**
     * Builder; start from {@link #openAi}, {@link #azure}, {@link #deepSeek} or {@link #compatible}.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private final ApiProvider provider;
        private String baseUrl;
        private String deployment;
        private String apiVersion = "2024-10-21";
        private String apiKey;
        private String model;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(120);
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private boolean streaming = true;
        private boolean streamUsage = true;
        private boolean logRequests;
        private int contextTokens = Integer.MAX_VALUE;
        private TokenCounter tokenCounter = Cl100kTokenCounter.INSTANCE;

        private Builder(ApiProvider provider) {
            this.provider = provider;
            this.baseUrl = provider.defaultBaseUrl();
        }

        /** The base URL ({@code /chat/completions} is appended); for Azure, the resource endpoint. */
        public Builder baseUrl(String v) {
            baseUrl = v;
            return this;
        }

        /** The API key; null for none (only allowed for OpenAI-compatible servers). */
        public Builder apiKey(String v) {
            apiKey = v;
            return this;
        }

        /** The model name sent in each request (ignored by Azure, where the deployment decides). */
        public Builder model(String v) {
            model = v;
            return this;
        }

        /** Azure only: the {@code api-version} query parameter (default {@code 2024-10-21}). */
        public Builder apiVersion(String v) {
            apiVersion = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        /** Bound on the wait for response headers and on every gap between response data (default 120 s). */
        public Builder readTimeout(Duration v) {
            readTimeout = v;
            return this;
        }

        public Builder retryPolicy(RetryPolicy v) {
            retryPolicy = v;
            return this;
        }

        /** Whether to stream when the caller passes a listener (default true). */
        public Builder streaming(boolean v) {
            streaming = v;
            return this;
        }

        /**
         * Whether streamed requests ask for usage with {@code stream_options.include_usage} (default true); turn off for
         * servers that reject the field. Usage is then counted locally.
         */
        public Builder streamUsage(boolean v) {
            streamUsage = v;
            return this;
        }

        /** Logs each request and status at INFO, auth header masked (default off: bodies hold user text). */
        public Builder logRequests(boolean v) {
            logRequests = v;
            return this;
        }

        /** The model's prompt window in tokens, reported by {@link Generator#contextTokens()} (default unknown). */
        public Builder contextTokens(int v) {
            contextTokens = v;
            return this;
        }

        /** Counts tokens when the API reports no usage (default cl100k). */
        public Builder tokenCounter(TokenCounter v) {
            tokenCounter = v;
            return this;
        }

        public OpenAiChatGenerator build() {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(readTimeout, "readTimeout");
            Objects.requireNonNull(retryPolicy, "retryPolicy");
            Objects.requireNonNull(tokenCounter, "tokenCounter");
            String who = "OpenAiChatGenerator(" + provider.label() + ")";
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new InvalidInputException(who + ": connectTimeout must be > 0, was " + connectTimeout);
            }
            if (readTimeout.isNegative() || readTimeout.isZero()) {
                throw new InvalidInputException(who + ": readTimeout must be > 0, was " + readTimeout);
            }
            if (contextTokens <= 0) {
                throw new InvalidInputException(who + ": contextTokens must be > 0, was " + contextTokens);
            }
            if (apiKey != null && apiKey.isBlank()) {
                apiKey = null;
            }
            if (apiKey == null && provider != ApiProvider.OPENAI_COMPATIBLE) {
                throw new InvalidInputException(who + ": an API key is required (apiKey is missing)");
            }
            if (model != null && model.isBlank()) {
                throw new InvalidInputException(who + ": model must not be blank");
            }
            if (model == null && (provider == ApiProvider.OPENAI || provider == ApiProvider.DEEPSEEK)) {
                throw new InvalidInputException(who + ": model is required");
            }
            String base = normalise(baseUrl, provider == ApiProvider.AZURE_OPENAI ? "endpoint" : "baseUrl", who);
            URI chat;
            URI models;
            if (provider == ApiProvider.AZURE_OPENAI) {
                if (deployment == null || deployment.isBlank()) {
                    throw new InvalidInputException(who + ": deployment must not be blank");
                }
                if (apiVersion == null || apiVersion.isBlank()) {
                    throw new InvalidInputException(who + ": apiVersion must not be blank");
                }
                String v = URLEncoder.encode(apiVersion.strip(), StandardCharsets.UTF_8);
                chat = URI.create(base + "/openai/deployments/"
                        + URLEncoder.encode(deployment.strip(), StandardCharsets.UTF_8).replace("+", "%20")
                        + "/chat/completions?api-version=" + v);
                models = URI.create(base + "/openai/models?api-version=" + v);
            } else {
                chat = URI.create(base + "/chat/completions");
                models = URI.create(base + "/models");
            }
            return new OpenAiChatGenerator(this, chat, models, base);
        }

        private static String normalise(String url, String field, String who) {
            if (url == null || url.isBlank()) {
                throw new InvalidInputException(who + ": " + field + " is required");
            }
            String u = url.strip();
            while (u.endsWith("/")) {
                u = u.substring(0, u.length() - 1);
            }
            try {
                URI uri = new URI(u);
                String scheme = uri.getScheme();
                if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                        || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                    throw new InvalidInputException(who + ": " + field + " must be an http(s) URL without query or "
                            + "fragment, was '" + u + "'");
                }
            } catch (URISyntaxException e) {
                throw new InvalidInputException(who + ": " + field + " is not a valid URL: '" + u + "'", e);
            }
            return u;
        }
    }
}

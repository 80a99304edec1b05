package dev.memorag.generation.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.memorag.error.CancelledException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.api.CancellationToken;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.Hit;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import dev.memorag.generation.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP server (the JDK's {@code com.sun.net.httpserver}) answering through a {@link ChatBackend}:
 * <ul>
 *   <li>{@code GET /v1/models}: one model, the backend's {@link ChatBackend#modelId()};</li>
 *   <li>{@code POST /v1/chat/completions}: a {@code chat.completion}, or with {@code "stream": true} server-sent
 *       {@code chat.completion.chunk} events ending in {@code data: [DONE]} (usage in a last chunk when
 *       {@code stream_options.include_usage} is true). The answer's evidence is in the extra field {@code evidence}
 *       (of the completion, or of the chunk carrying {@code finish_reason}).</li>
 * </ul>
 * Requests understood: {@code messages} (roles system, developer, user, assistant; content a string or text parts),
 * {@code max_tokens} or {@code max_completion_tokens} (default {@value #DEFAULT_MAX_TOKENS}), {@code temperature}
 * (default 0: greedy, since answers over a memory should be reproducible), {@code top_p}, {@code stop}, {@code seed},
 * {@code n} (1 only); {@code model}, when given, must be the served model id (else 404 {@code model_not_found},
 * naming it), so a client pointed at the wrong server or model learns it instead of getting another model's answer.
 *
 * <p>Errors are OpenAI-style objects {@code {"error":{"message","type","param","code"}}}: 400 invalid JSON or
 * parameters, 401 missing or wrong bearer token, 404 unknown route or model, 405 wrong method, 413 body over the limit, 500
 * backend failure. Binds to 127.0.0.1 unless told otherwise; requests run on a fixed pool of worker threads (excess
 * requests wait in its queue).
 *
 * <p>Thread-safety: thread-safe; {@link #close()} is idempotent.
 */
public final class ChatServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChatServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int DEFAULT_MAX_TOKENS = 512;
    private static final String CHAT_PATH = "/v1/chat/completions";
    private static final String MODELS_PATH = "/v1/models";

    private final ChatBackend backend;
    private final Secret token;
    private final long maxRequestBytes;
    private final HttpServer server;
    private final ExecutorService workers;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong requestIds = new AtomicLong();

    private ChatServer(Builder b) throws IOException {
        this.backend = b.backend;
        this.token = b.bearerToken == null ? null : Secret.of(b.bearerToken, "bearer token");
        this.maxRequestBytes = b.maxRequestBytes;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "memorag-serve-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.workers = new ThreadPoolExecutor(b.threads, b.threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), tf);
        this.server = HttpServer.create(new InetSocketAddress(b.host, b.port), b.backlog);
        server.createContext("/", this::handle);
        server.setExecutor(workers);
        server.start();
        LOG.info("serving {} on {}{}", backend.modelId(), baseUri(), token == null ? "" : " (bearer token required)");
    }

    public static Builder builder(ChatBackend backend) {
        return new Builder(backend);
    }

    /** The bound port (the real one when 0 was asked for). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The OpenAI base URL of this server, for example {@code http://127.0.0.1:8080/v1}. */
    public URI baseUri() {
        String host = server.getAddress().getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/v1");
    }

    /** Stops accepting requests and ends the workers; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            workers.shutdownNow();
        }
    }

    // ---------------------------------------------------------------------------------------------------- handling

    /** An error answered to the client as an OpenAI-style error object. */
    private static final class ApiError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String type;
        final String param;
        final String code;

        ApiError(int status, String message, String type, String param, String code) {
            super(message);
            this.status = status;
            this.type = type;
            this.param = param;
            this.code = code;
        }

        static ApiError invalid(String message, String param, String code) {
            return new ApiError(400, message, "invalid_request_error", param, code);
        }
    }

    private void handle(HttpExchange ex) {
        long id = requestIds.incrementAndGet();
        try (ex) {
            try {
                dispatch(ex, id);
            } catch (ApiError e) {
                LOG.debug("request {}: {} {}", id, e.status, e.getMessage());
                sendError(ex, e);
            } catch (RuntimeException e) {
                LOG.warn("request {} failed unexpectedly", id, e);
                if (ex.getResponseCode() == -1) {
                    sendError(ex, new ApiError(500, "Internal server error: " + e.getClass().getSimpleName(),
                            "server_error", null, "internal_error"));
                }
            }
        } catch (IOException e) {
            // The client went away; nothing left to answer.
            LOG.debug("request {}: connection failed: {}", id, e.getMessage());
        }
    }

    private void dispatch(HttpExchange ex, long id) throws IOException, ApiError {
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = ex.getRequestURI().getPath();
        LOG.debug("request {}: {} {}", id, method, path);
        checkAuth(ex);
        switch (path) {
            case MODELS_PATH -> {
                requireMethod(method, "GET", path);
                models(ex);
            }
            case CHAT_PATH -> {
                requireMethod(method, "POST", path);
                chat(ex, id);
            }
            default -> throw new ApiError(404, "Unknown request URL: " + method + " " + path,
                    "invalid_request_error", null, "unknown_url");
        }
    }

    private void checkAuth(HttpExchange ex) throws ApiError {
        if (token == null) {
            return;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        String presented = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : null;
        if (!token.matches(presented)) {
            throw new ApiError(401, presented == null ? "Missing bearer token in the Authorization header."
                    : "Incorrect bearer token provided.", "invalid_request_error", null, "invalid_api_key");
        }
    }

    private static void requireMethod(String method, String expected, String path) throws ApiError {
        if (!method.equals(expected)) {
            throw new ApiError(405, "Method " + method + " not allowed on " + path + "; use " + expected + ".",
                    "invalid_request_error", null, "method_not_allowed");
        }
    }

    private void models(HttpExchange ex) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        root.putArray("data").addObject().put("id", backend.modelId()).put("object", "model").put("created", 0)
                .put("owned_by", "memorag");
        sendJson(ex, 200, root);
    }

    private record ChatRequest(List<ChatMessage> messages, GenerationOptions options, boolean stream,
            boolean includeUsage) {
    }

    private void chat(HttpExchange ex, long id) throws IOException, ApiError {
        byte[] body = readBody(ex);
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw ApiError.invalid("We could not parse the JSON body of your request: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), null,
                    "invalid_json");
        }
        if (root == null || !root.isObject()) {
            throw ApiError.invalid("The request body must be a JSON object.", null, "invalid_json");
        }
        requireServedModel(root.get("model"));
        CancellationToken cancel = new CancellationToken();
        ChatRequest req = parse(root, cancel);
        String completionId = "chatcmpl-memorag-" + id;
        long created = System.currentTimeMillis() / 1000;
        if (req.stream()) {
            stream(ex, req, completionId, created, cancel);
        } else {
            BackendAnswer a = callBackend(req, TokenListener.NONE);
            ObjectNode out = JSON.createObjectNode();
            out.put("id", completionId);
            out.put("object", "chat.completion");
            out.put("created", created);
            out.put("model", backend.modelId());
            ObjectNode choice = out.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", a.text());
            choice.put("finish_reason", wire(a.finishReason()));
            usage(out.putObject("usage"), a.usage());
            evidence(out.putArray("evidence"), a.evidence());
            sendJson(ex, 200, out);
        }
    }

    private void requireServedModel(JsonNode model) throws ApiError {
        if (model != null && !model.isNull() && !model.asText().equals(backend.modelId())) {
            throw new ApiError(404, "The model '" + model.asText() + "' does not exist on this server; it serves '"
                    + backend.modelId() + "' (GET /v1/models).", "invalid_request_error", "model", "model_not_found");
        }
    }

    private BackendAnswer callBackend(ChatRequest req, TokenListener listener) throws ApiError {
        try {
            return backend.answer(req.messages(), req.options(), listener);
        } catch (InvalidInputException e) {
            throw ApiError.invalid(e.getMessage(), null, "invalid_request");
        } catch (CancelledException e) {
            throw e;
        } catch (MemoRagException e) {
            LOG.warn("backend {} failed: {}", backend.modelId(), e.getMessage());
            throw new ApiError(500, "The model failed to answer: " + e.getMessage(), "server_error", null,
                    "backend_error");
        }
    }

    private void stream(HttpExchange ex, ChatRequest req, String completionId, long created,
            CancellationToken cancel) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        ObjectNode first = chunk(completionId, created);
        ((ObjectNode) first.withArray("choices").get(0)).putObject("delta").put("role", "assistant").put("content", "");
        event(out, first);
        TokenListener listener = piece -> {
            ObjectNode c = chunk(completionId, created);
            ((ObjectNode) c.withArray("choices").get(0)).putObject("delta").put("content", piece);
            try {
                event(out, c);
            } catch (IOException e) {
                // The client disconnected: stop the backend instead of generating for nobody.
                cancel.cancel();
                throw new CancelledException("client disconnected during streaming", e);
            }
        };
        BackendAnswer a;
        try {
            a = callBackend(req, listener);
        } catch (ApiError e) {
            // Headers are gone already; report the error in-band, as OpenAI-compatible servers do.
            ObjectNode err = JSON.createObjectNode();
            errorObject(err.putObject("error"), e);
            event(out, err);
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            return;
        } catch (CancelledException e) {
            LOG.debug("{}: streaming stopped: {}", completionId, e.getMessage());
            return;
        }
        ObjectNode last = chunk(completionId, created);
        ObjectNode choice = (ObjectNode) last.withArray("choices").get(0);
        choice.putObject("delta");
        choice.put("finish_reason", wire(a.finishReason()));
        evidence(last.putArray("evidence"), a.evidence());
        event(out, last);
        if (req.includeUsage()) {
            ObjectNode u = chunk(completionId, created);
            u.putArray("choices");
            usage(u.putObject("usage"), a.usage());
            event(out, u);
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private ObjectNode chunk(String completionId, long created) {
        ObjectNode c = JSON.createObjectNode();
        c.put("id", completionId);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", backend.modelId());
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putNull("finish_reason");
        return c;
    }

    private static void event(OutputStream out, JsonNode data) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private byte[] readBody(HttpExchange ex) throws IOException, ApiError {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            try {
                if (Long.parseLong(len.strip()) > maxRequestBytes) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw ApiError.invalid("Invalid Content-Length header: '" + len + "'.", null, "invalid_header");
            }
        }
        InputStream in = ex.getRequestBody();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int r;
        while ((r = in.read(chunk)) >= 0) {
            if (buf.size() + r > maxRequestBytes) {
                throw tooLarge();
            }
            buf.write(chunk, 0, r);
        }
        return buf.toByteArray();
    }

    private ApiError tooLarge() {
        return new ApiError(413, "Request body exceeds the limit of " + maxRequestBytes + " bytes.",
                "invalid_request_error", null, "request_too_large");
    }

    private static ChatRequest parse(JsonNode root, CancellationToken cancel) throws ApiError {
        JsonNode msgs = root.get("messages");
        if (msgs == null || msgs.isNull()) {
            throw ApiError.invalid("Missing required parameter: 'messages'.", "messages",
                    "missing_required_parameter");
        }
        if (!msgs.isArray() || msgs.isEmpty()) {
            throw ApiError.invalid("'messages' must be a non-empty array.", "messages", "invalid_type");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) {
            messages.add(message(msgs.get(i), "messages[" + i + "]"));
        }
        GenerationOptions.Builder o = GenerationOptions.builder().maxNewTokens(DEFAULT_MAX_TOKENS)
                .cancellation(cancel);
        JsonNode max = root.hasNonNull("max_completion_tokens") ? root.get("max_completion_tokens")
                : root.get("max_tokens");
        String maxName = root.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() <= 0) {
                throw ApiError.invalid("'" + maxName + "' must be a positive integer, was " + max + ".", maxName,
                        "invalid_value");
            }
            o.maxNewTokens(max.asInt());
        }
        o.temperature(number(root, "temperature", 0, 2, 0));
        double topP = number(root, "top_p", 0, 1, 1);
        if (topP == 0) {
            throw ApiError.invalid("'top_p' must be in (0, 1], was 0.", "top_p", "invalid_value");
        }
        o.topP(topP);
        JsonNode stop = root.get("stop");
        if (stop != null && !stop.isNull()) {
            List<String> stops = new ArrayList<>();
            if (stop.isTextual()) {
                stops.add(stop.asText());
            } else if (stop.isArray()) {
                stop.forEach(s -> stops.add(s.isTextual() ? s.asText() : null));
            }
            if (stops.isEmpty() || stops.size() > 4 || stops.stream().anyMatch(s -> s == null || s.isEmpty())) {
                throw ApiError.invalid("'stop' must be a non-empty string or an array of 1 to 4 non-empty strings.",
                        "stop", "invalid_value");
            }
            o.stop(stops);
        }
        JsonNode seed = root.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
                throw ApiError.invalid("'seed' must be an integer, was " + seed + ".", "seed", "invalid_value");
            }
            o.seed(seed.asLong());
        }
        JsonNode n = root.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
            throw ApiError.invalid("Only n = 1 is supported, was " + n + ".", "n", "invalid_value");
        }
        JsonNode streamNode = root.get("stream");
        if (streamNode != null && !streamNode.isNull() && !streamNode.isBoolean()) {
            throw ApiError.invalid("'stream' must be a boolean, was " + streamNode + ".", "stream", "invalid_type");
        }
        boolean stream = streamNode != null && streamNode.asBoolean();
        boolean includeUsage = root.path("stream_options").path("include_usage").asBoolean(false);
        return new ChatRequest(List.copyOf(messages), o.build(), stream, includeUsage);
    }

    private static ChatMessage message(JsonNode m, String where) throws ApiError {
        if (!m.isObject()) {
            throw ApiError.invalid("'" + where + "' must be an object.", where, "invalid_type");
        }
        String role = m.path("role").asText("");
        ChatMessage.Role r = switch (role) {
            case "system", "developer" -> ChatMessage.Role.SYSTEM;
            case "user" -> ChatMessage.Role.USER;
            case "assistant" -> ChatMessage.Role.ASSISTANT;
            default -> throw ApiError.invalid("'" + where + ".role' must be one of system, developer, user, "
                    + "assistant; was '" + role + "'.", where + ".role", "invalid_value");
        };
        JsonNode content = m.get("content");
        String text;
        if (content != null && content.isTextual()) {
            text = content.asText();
        } else if (content != null && content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid("'" + where + ".content' parts must be {\"type\":\"text\",\"text\":...}; "
                            + "other part types are not supported.", where + ".content", "invalid_value");
                }
                sb.append(part.get("text").asText());
            }
            text = sb.toString();
        } else {
            throw ApiError.invalid("'" + where + ".content' must be a string or an array of text parts.",
                    where + ".content", "invalid_type");
        }
        return new ChatMessage(r, text);
    }

    private static double number(JsonNode root, String name, double min, double max, double dflt) throws ApiError {
        JsonNode v = root.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max)) {
            throw ApiError.invalid("'" + name + "' must be a number in [" + min + ", " + max + "], was " + v + ".",
                    name, "invalid_value");
        }
        return v.asDouble();
    }

    private static String wire(FinishReason r) {
        return switch (r) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case OTHER -> "content_filter";
        };
    }

    private static void usage(ObjectNode u, TokenUsage usage) {
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
    }

    private static void evidence(ArrayNode arr, List<Hit> hits) {
        for (Hit h : hits) {
            arr.addObject().put("chunk_id", h.chunk().id()).put("document_id", h.chunk().documentId())
                    .put("start", h.chunk().start()).put("end", h.chunk().end()).put("score", h.score())
                    .put("text", h.chunk().text());
        }
    }

    private static void errorObject(ObjectNode e, ApiError err) {
        e.put("message", err.getMessage());
        e.put("type", err.type);
        if (err.param == null) {
            e.putNull("param");
        } else {
            e.put("param", err.param);
        }
        e.put("code", err.code);
    }

    private static void sendError(HttpExchange ex, ApiError err) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        errorObject(root.putObject("error"), err);
        if (err.status == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        sendJson(ex, err.status, root);
    }

    private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public String toString() {
        return "ChatServer[" + baseUri() + ", model=" + backend.modelId() + ", token=" + (token == null ? "none" : token)
                + "]";
    }

    /**
     * Builder: 127.0.0.1:8080, no token, 1 MiB request limit, 8 worker threads.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private final ChatBackend backend;
        private String host = "127.0.0.1";
        private int port = 8080;
        private String bearerToken;
        private long maxRequestBytes = 1 << 20;
        private int threads = 8;
        private int backlog = 64;

        private Builder(ChatBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** The address to bind (default 127.0.0.1; {@code 0.0.0.0} exposes the server to the network). */
        public Builder host(String v) {
            host = v;
            return this;
        }

        /** The port (default 8080; 0 picks a free one, see {@link ChatServer#port()}). */
        public Builder port(int v) {
            port = v;
            return this;
        }

        /** Require {@code Authorization: Bearer <token>} on every request (null: no authentication). */
        public Builder bearerToken(String v) {
            bearerToken = v;
            return this;
        }

        /** Largest accepted request body in bytes (default 1 MiB). */
        public Builder maxRequestBytes(long v) {
            maxRequestBytes = v;
            return this;
        }

        /** Worker threads answering requests concurrently (default 8). */
        public Builder threads(int v) {
            threads = v;
            return this;
        }

        /** Binds and starts the server. */
        public ChatServer start() {
            if (host == null || host.isBlank()) {
                throw new InvalidInputException("ChatServer: host must not be blank");
            }
            if (port < 0 || port > 65535) {
                throw new InvalidInputException("ChatServer: port must be in [0, 65535], was " + port);
            }
            if (maxRequestBytes <= 0) {
                throw new InvalidInputException("ChatServer: maxRequestBytes must be > 0, was " + maxRequestBytes);
            }
            if (threads <= 0) {
                throw new InvalidInputException("ChatServer: threads must be > 0, was " + threads);
            }
            if (bearerToken != null && bearerToken.isBlank()) {
                throw new InvalidInputException("ChatServer: bearerToken must not be blank when set");
            }
            try {
                return new ChatServer(this);
            } catch (IOException e) {
                throw new StateException("ChatServer: cannot bind " + host + ":" + port + ": " + e.getMessage(), e);
            }
        }
    }
}

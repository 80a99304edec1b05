package dev.memorag.generation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.CancelledException;
import dev.memorag.error.GenerationException;
import dev.memorag.error.MemoRagException;
import dev.memorag.api.CancellationToken;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Generator} decorator that remembers every successful answer on disk, so that re-running a job (indexing,
 * evaluation) with the same requests costs no calls.
 *
 * <p><b>Key.</b> The SHA-256 of the canonical JSON of the whole request: the cache format version, the delegate's
 * {@link Generator#id()} (provider, model, endpoint), the messages and every decoding parameter (max tokens,
 * temperature, top-p, top-k, repetition penalty, stop strings, seed). The cancellation token is not part of it.
 *
 * <p><b>Entries.</b> One JSON file per key at {@code dir/<first 2 hex>/<hex>.json}:
 * {@code {"format":"memorag-generation-cache","version":1,"key":...,"request":...,"result":{...}}}. Each is written
 * to a temporary file in the same directory and renamed into place, so readers never see half an entry. An entry that
 * cannot be read (truncated, wrong format, wrong version, wrong key) is logged, ignored and overwritten by a fresh
 * call. A hit returns the stored text, finish reason and usage (the usage of the original call) and hands the whole
 * text to the listener in one piece.
 *
 * <p><b>Concurrency.</b> Within one instance, concurrent calls with the same key share one delegate call (the others
 * wait and get its result; if it fails they call the delegate themselves). Across processes sharing a directory the
 * same request may be computed twice, harmlessly: the last rename wins and both entries are identical in meaning.
 * Failures and cancellations are never cached.
 *
 * <p>Thread-safety: thread-safe if the delegate is.
 */
public final class CachingGenerator implements Generator {
    private static final Logger LOG = LoggerFactory.getLogger(CachingGenerator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Value of the {@code format} field of every entry. */
    public static final String FORMAT = "memorag-generation-cache";
    /** Version of the entry layout and of the key derivation; entries of another version are ignored. */
    public static final int VERSION = 1;
    private static final long WAIT_SLICE_MS = 25;

    private final Generator delegate;
    private final Path dir;
    private final ConcurrentHashMap<String, CompletableFuture<GenerationResult>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    private CachingGenerator(Generator delegate, Path dir) {
        this.delegate = delegate;
        this.dir = dir;
    }

    /** Caches {@code delegate}'s answers under {@code dir} (created if missing). */
    public static CachingGenerator of(Generator delegate, Path dir) {
        Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(dir, "dir");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException("cache directory " + dir + " cannot be created: " + e.getMessage(), e);
        }
        return new CachingGenerator(delegate, dir);
    }

    /** Calls answered from the cache (entries read from disk or shared with a concurrent call) since creation. */
    public long hits() {
        return hits.get();
    }

    /** Calls that went to the delegate since creation. */
    public long misses() {
        return misses.get();
    }

    public Path directory() {
        return dir;
    }

    @Override
    public String id() {
        return delegate.id();
    }

    @Override
    public int contextTokens() {
        return delegate.contextTokens();
    }

    @Override
    public GenerationResult generate(List<ChatMessage> messages, GenerationOptions options, TokenListener listener) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        ObjectNode request = canonicalRequest(delegate.id(), messages, options);
        String key = sha256(request);
        Path file = entryPath(key);
        CancellationToken cancel = options.cancellation();
        cancel.throwIfCancelled("generation " + delegate.id());

        while (true) {
            GenerationResult cached = read(file, key);
            if (cached != null) {
                hits.incrementAndGet();
                emit(listener, cached.text());
                return cached;
            }
            CompletableFuture<GenerationResult> mine = new CompletableFuture<>();
            CompletableFuture<GenerationResult> other = inFlight.putIfAbsent(key, mine);
            if (other == null) {
                return compute(messages, options, listener, request, key, file, mine);
            }
            GenerationResult shared = await(other, cancel);
            if (shared != null) {
                hits.incrementAndGet();
                emit(listener, shared.text());
                return shared;
            }
            // The concurrent call failed; loop and try ourselves (its failure may have been its own cancellation).
        }
    }

    private GenerationResult compute(List<ChatMessage> messages, GenerationOptions options, TokenListener listener,
            ObjectNode request, String key, Path file, CompletableFuture<GenerationResult> mine) {
        try {
            // A concurrent call may have finished between our cache read and our claim.
            GenerationResult cached = read(file, key);
            if (cached != null) {
                hits.incrementAndGet();
                emit(listener, cached.text());
                mine.complete(cached);
                return cached;
            }
            misses.incrementAndGet();
            GenerationResult result = delegate.generate(messages, options, listener);
            write(file, key, request, result);
            mine.complete(result);
            return result;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    /** The shared result, or null when the call we waited for failed. */
    private static GenerationResult await(CompletableFuture<GenerationResult> f, CancellationToken cancel) {
        while (true) {
            cancel.throwIfCancelled("waiting for a concurrent identical generation");
            try {
                return f.get(WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // poll the cancellation token again
            } catch (ExecutionException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancelledException("waiting for a concurrent identical generation was interrupted", e);
            }
        }
    }

    private static void emit(TokenListener listener, String text) {
        if (text.isEmpty()) {
            return;
        }
        try {
            listener.onText(text);
        } catch (MemoRagException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GenerationException("token listener failed: " + e, e);
        }
    }

    /**
     * The canonical JSON of a request: fixed field order, every parameter present (null when unset), so equal
     * requests give byte-identical JSON.
     */
    static ObjectNode canonicalRequest(String generatorId, List<ChatMessage> messages, GenerationOptions o) {
        ObjectNode root = JSON.createObjectNode();
        root.put("cache_version", VERSION);
        root.put("generator", generatorId);
        ArrayNode msgs = root.putArray("messages");
        for (ChatMessage m : messages) {
            msgs.addObject().put("role", m.role().wireName()).put("content", m.content());
        }
        ObjectNode p = root.putObject("parameters");
        p.put("max_tokens", o.maxNewTokens());
        p.put("temperature", o.temperature());
        p.put("top_p", o.topP());
        p.put("top_k", o.topK());
        p.put("repetition_penalty", o.repetitionPenalty());
        ArrayNode stop = p.putArray("stop");
        o.stop().forEach(stop::add);
        if (o.seed() == null) {
            p.putNull("seed");
        } else {
            p.put("seed", o.seed());
        }
        return root;
    }

    static String sha256(JsonNode canonical) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(canonical);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new GenerationException("cannot hash generation request: " + e.getMessage(), e);
        }
    }

    Path entryPath(String key) {
        return dir.resolve(key.substring(0, 2)).resolve(key + ".json");
    }

    private GenerationResult read(Path file, String key) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("cache entry {} cannot be read ({}); calling the generator", file, e.getMessage());
            return null;
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || !FORMAT.equals(root.path("format").asText(null))) {
                throw new IllegalStateException("field 'format' is not '" + FORMAT + "'");
            }
            if (root.path("version").asInt(-1) != VERSION) {
                throw new IllegalStateException("field 'version' is " + root.path("version") + ", expected "
                        + VERSION);
            }
            if (!key.equals(root.path("key").asText(null))) {
                throw new IllegalStateException("field 'key' does not match the file name");
            }
            JsonNode r = root.path("result");
            JsonNode text = r.path("text");
            if (!text.isTextual()) {
                throw new IllegalStateException("field 'result.text' is missing");
            }
            FinishReason finish = FinishReason.valueOf(r.path("finish_reason").asText(""));
            TokenUsage usage = new TokenUsage(r.path("usage").path("prompt_tokens").asLong(-1),
                    r.path("usage").path("completion_tokens").asLong(-1));
            return new GenerationResult(text.asText(), finish, usage);
        } catch (IOException | IllegalStateException | IllegalArgumentException | MemoRagException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            LOG.warn("cache entry {} is corrupt ({}); ignoring it and calling the generator", file, why);
            return null;
        }
    }

    private void write(Path file, String key, ObjectNode request, GenerationResult result) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("key", key);
        root.set("request", request);
        ObjectNode r = root.putObject("result");
        r.put("text", result.text());
        r.put("finish_reason", result.finishReason().name());
        r.putObject("usage").put("prompt_tokens", result.usage().promptTokens())
                .put("completion_tokens", result.usage().completionTokens());
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            tmp = Files.createTempFile(file.getParent(), key.substring(0, 8) + "-", ".tmp");
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root)
                    .getBytes(StandardCharsets.UTF_8));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            // The answer is still good; only re-running will cost a call.
            LOG.warn("cannot write cache entry {}: {}", file, e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray .tmp file is never read as an entry
                }
            }
        }
    }

    /** Closes the delegate; idempotent if the delegate's close is. */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "CachingGenerator[dir=" + dir + ", delegate=" + delegate + "]";
    }
}

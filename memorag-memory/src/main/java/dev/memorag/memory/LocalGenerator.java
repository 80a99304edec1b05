package dev.memorag.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.GenerationException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.TokenCounter;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import dev.memorag.memory.lm.CausalLm;
import dev.memorag.memory.lm.DecodingLoop;
import dev.memorag.memory.lm.ModelConfig;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.text.TextStream;
import dev.memorag.memory.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Generator} backed by a local Qwen2 / Mistral / Llama checkpoint directory: the chat template renders the
 * conversation (with the generation prompt), the runtime decodes with a KV cache, and text streams to the listener.
 * Generation stops at the checkpoint's EOS ids ({@code generation_config.json}, else {@code config.json}, else the
 * tokenizer's {@code eos_token}), at a stop string, or at {@code maxNewTokens}.
 *
 * <p>Thread-safety: thread-safe; calls are serialised internally.
 */
public final class LocalGenerator implements Generator, TokenCounter {
    private static final Logger LOG = LoggerFactory.getLogger(LocalGenerator.class);

    private final CausalLm lm;
    private final TextTokenizer tokenizer;
    private final Set<Integer> eosIds;
    private final String id;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    private LocalGenerator(CausalLm lm, TextTokenizer tokenizer, Set<Integer> eosIds, String id) {
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.eosIds = eosIds;
        this.id = id;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder: a model directory is required; runtime options default to {@link RuntimeOptions#DEFAULT}. */
    public static final class Builder {
        private Path modelDirectory;
        private RuntimeOptions runtimeOptions = RuntimeOptions.DEFAULT;

        public Builder modelDirectory(Path dir) {
            this.modelDirectory = dir;
            return this;
        }

        public Builder runtimeOptions(RuntimeOptions options) {
            this.runtimeOptions = Objects.requireNonNull(options, "runtimeOptions");
            return this;
        }

        /**
         * Loads the model and tokenizer.
         *
         * @throws InvalidInputException when the directory is not a model directory
         * @throws ModelException when the checkpoint is unusable (missing chat template, bad weights)
         */
        public LocalGenerator build() {
            if (modelDirectory == null) {
                throw new InvalidInputException("LocalGenerator needs a modelDirectory");
            }
            TextTokenizer tok = TextTokenizer.load(modelDirectory);
            try {
                tok.requireChatTemplate();
                CausalLm lm = CausalLm.load(modelDirectory, runtimeOptions);
                Set<Integer> eos = eosIds(modelDirectory, lm.config(), tok);
                return new LocalGenerator(lm, tok, eos, modelDirectory.toString());
            } catch (RuntimeException e) {
                tok.close();
                throw e;
            }
        }
    }

    /** EOS ids: generation_config.json, else config.json, else tokenizer_config's eos_token. */
    static Set<Integer> eosIds(Path dir, ModelConfig config, TextTokenizer tok) {
        Set<Integer> ids = new LinkedHashSet<>();
        Path gen = dir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) {
            try {
                JsonNode n = new ObjectMapper().readTree(gen.toFile()).get("eos_token_id");
                if (n != null && n.isArray()) {
                    n.forEach(e -> ids.add(e.asInt()));
                } else if (n != null && n.canConvertToInt()) {
                    ids.add(n.asInt());
                }
            } catch (IOException e) {
                throw new CorruptDataException(gen + ": invalid JSON: " + e.getMessage(), e);
            }
        }
        if (ids.isEmpty()) {
            ids.addAll(config.eosTokenIds());
        }
        if (ids.isEmpty()) {
            tok.tokenId(tok.eosToken()).ifPresent(ids::add);
        }
        return Collections.unmodifiableSet(ids);
    }

    /** Counts tokens with this model's own tokenizer, so callers fit prompts to its window exactly. */
    @Override
    public int count(String text) {
        return tokenizer.count(text);
    }

    @Override
    public GenerationResult generate(List<ChatMessage> messages, GenerationOptions options, TokenListener listener) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        if (messages.isEmpty()) {
            throw new InvalidInputException("messages must not be empty");
        }
        lock.lock();
        try {
            if (closed) {
                throw new StateException("generator " + id + " is closed");
            }
            String prompt = tokenizer.requireChatTemplate().render(messages, true);
            int[] ids = tokenizer.encode(prompt);
            int max = lm.config().maxPositions();
            if (ids.length >= max) {
                throw new ModelException("prompt of " + ids.length + " tokens does not fit max_position_embeddings "
                        + max + " of " + id);
            }
            GenerationOptions opts = options;
            if (ids.length + options.maxNewTokens() > max) {
                opts = options.toBuilder().maxNewTokens(max - ids.length).build();
            }
            TextStream stream = new TextStream(tokenizer, opts.stop(), listener);
            long t0 = System.nanoTime();
            DecodingLoop.Result r = lm.generate(ids, opts, eosIds, stream::accept);
            String text = stream.finish();
            LOG.debug("{}: {} prompt + {} new tokens in {} ms ({})", id, ids.length, r.tokens().length,
                    (System.nanoTime() - t0) / 1_000_000, r.finishReason());
            return new GenerationResult(text, r.finishReason(), new TokenUsage(ids.length, r.tokens().length));
        } catch (MemoRagException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GenerationException("local generation with " + id + " failed: " + e, e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String id() {
        return id;
    }

    /** max_position_embeddings of the checkpoint. */
    @Override
    public int contextTokens() {
        return lm.config().maxPositions();
    }

    /** The runtime model (same module: diagnostics and tests). */
    CausalLm lm() {
        return lm;
    }

    /** The tokenizer (for token counting). */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** Frees the model and tokenizer; idempotent. Waits for a running call. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                lm.close();
                tokenizer.close();
            }
        } finally {
            lock.unlock();
        }
    }
}

package dev.memorag.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenCounter;
import dev.memorag.api.TokenListener;
import dev.memorag.pipeline.ClueFilter;
import dev.memorag.prompt.Prompts;
import dev.memorag.store.FileTrees;
import dev.memorag.text.Cl100kTokenCounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * MemoRAG's memory as a library object: reads a long text once into a {@link MemoryModel}, then answers instructions
 * against it: clue spans for retrieval ({@link #recall}), surrogate questions ({@link #rewrite}), a draft answer
 * ({@link #answer}) and the key points of the text ({@link #summarize}). Every instruction starts from the memory as
 * it was right after memorising. Decoding follows MemoRAG: greedy, 128 new tokens (512 for key points).
 *
 * <p>The prompt language is detected from the memorised text ({@link Language#detect}) unless fixed on the builder;
 * every template can be overridden.
 *
 * <p>Thread-safety: thread-safe; calls are serialised on this object.
 */
public final class Memory implements AutoCloseable {
    /** Descriptor written next to the model's state by {@link #save}. */
    public static final String DESCRIPTOR = "memory.json";
    static final String FORMAT = "memorag-memory";
    static final int VERSION = 1;
    /** New tokens for recall, rewrite and answer (MemoRAG's setting). */
    public static final int INSTRUCTION_TOKENS = 128;
    /** New tokens for key points (MemoRAG's setting). */
    public static final int KEY_POINT_TOKENS = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MemoryModel model;
    private final Language fixedLanguage;
    private final Prompts fixedPrompts;
    private final Map<Prompts.Template, String> overrides;
    private final TokenCounter counter;
    private final long maxTokens;
    private final boolean closeModel;
    private Language language;
    private boolean closed;

    private Memory(Builder b) {
        this.model = Objects.requireNonNull(b.model, "model");
        this.fixedLanguage = b.language;
        this.fixedPrompts = b.prompts;
        this.overrides = new EnumMap<>(b.overrides);
        this.counter = b.counter;
        this.maxTokens = b.maxTokens;
        this.closeModel = b.closeModel;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads {@code text} into memory, replacing what was there.
     *
     * @throws InvalidInputException when the text is blank or longer than the configured limit
     */
    public synchronized void memorize(String text, ProgressListener progress) {
        ensureOpen();
        checkText(text);
        Language lang = fixedLanguage != null ? fixedLanguage : Language.detect(text);
        model.memorize(text, prompts(lang), progress == null ? ProgressListener.NONE : progress);
        language = lang;
    }

    public void memorize(String text) {
        memorize(text, ProgressListener.NONE);
    }

    /**
     * Reads more text after what the memory holds (multi-document memory), in the language of the first text.
     *
     * @throws dev.memorag.error.UnsupportedFormatException when the model cannot grow its memory
     */
    public synchronized void append(String text, ProgressListener progress) {
        ensureOpen();
        if (language == null) {
            memorize(text, progress);
            return;
        }
        checkText(text);
        model.append(text, prompts(language), progress == null ? ProgressListener.NONE : progress);
    }

    private void checkText(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) {
            throw new InvalidInputException("cannot memorise an empty text");
        }
        if (maxTokens > 0) {
            long n = counter.count(text);
            if (n > maxTokens) {
                throw new InvalidInputException("text has " + n + " tokens, more than the configured limit of "
                        + maxTokens + " (Memory.Builder.maxTokens)");
            }
        }
    }

    /** Clue text spans from the memory that help answer {@code query}, one per line of the model's output. */
    public List<String> recall(String query) {
        return clues(run(prompts().recall(requireQuery(query)), INSTRUCTION_TOKENS));
    }

    /** Surrogate questions that make {@code query} precise, one per line of the model's output. */
    public List<String> rewrite(String query) {
        return clues(run(prompts().rewrite(requireQuery(query)), INSTRUCTION_TOKENS));
    }

    /** A short draft answer from the memory alone. */
    public String answer(String query) {
        return run(prompts().answer(requireQuery(query)), INSTRUCTION_TOKENS).trim();
    }

    /** The numbered key points of the memorised text, numbering removed. */
    public List<String> summarize() {
        return clues(run(prompts().keyPoints(), KEY_POINT_TOKENS));
    }

    /** Size of the memory. */
    public synchronized MemoryStats stats() {
        ensureOpen();
        return model.stats();
    }

    /** The language of the prompts in use (detected when the text was memorised), or null before. */
    public synchronized Language language() {
        return language;
    }

    /** The underlying memory model. */
    public MemoryModel model() {
        return model;
    }

    /**
     * Saves the memory into {@code dir} (the model's state plus {@value #DESCRIPTOR}). The new save is staged in a
     * sibling directory and swapped in by renames, so a failed save leaves the previous one intact.
     */
    public synchronized void save(Path dir) {
        ensureOpen();
        requireMemory();
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Path staging = parent.resolve("." + target.getFileName() + ".saving-" + System.nanoTime());
        Path backup = parent.resolve("." + target.getFileName() + ".previous-" + System.nanoTime());
        try {
            Files.createDirectories(staging);
            model.saveState(staging);
            ObjectNode d = JSON.createObjectNode();
            d.put("format", FORMAT);
            d.put("version", VERSION);
            d.put("model", model.id());
            d.put("language", language.name());
            MemoryStats s = model.stats();
            d.put("tokens_read", s.tokensRead());
            d.put("kv_entries", s.kvEntries());
            Files.write(staging.resolve(DESCRIPTOR), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(d));
            boolean hadPrevious = Files.exists(target);
            if (hadPrevious) {
                Files.move(target, backup);
            }
            try {
                Files.move(staging, target);
            } catch (IOException e) {
                if (hadPrevious) {
                    Files.move(backup, target);
                }
                throw e;
            }
            if (hadPrevious) {
                FileTrees.deleteRecursively(backup);
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(staging);
            if (e instanceof StateException se) {
                throw se;
            }
            throw new StateException("cannot save memory to " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the memory with one saved by {@link #save}.
     *
     * @throws InvalidInputException when {@code dir} holds no saved memory
     * @throws CorruptDataException when the descriptor is damaged
     * @throws StateException when the saved memory belongs to a different model
     */
    public synchronized void load(Path dir) {
        ensureOpen();
        Path file = dir.resolve(DESCRIPTOR);
        JsonNode d;
        try {
            d = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("no saved memory in " + dir + " (" + DESCRIPTOR + " missing)", e);
        } catch (IOException e) {
            throw new CorruptDataException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (d == null || !FORMAT.equals(d.path("format").asText())) {
            throw new CorruptDataException(file + ": field 'format' must be '" + FORMAT + "', was "
                    + (d == null ? null : d.get("format")));
        }
        if (d.path("version").asInt(-1) != VERSION) {
            throw new UnsupportedFormatException(file + ": field 'version' " + d.get("version")
                    + " is not supported (this library reads version " + VERSION + ")");
        }
        Language lang;
        try {
            lang = Language.valueOf(d.path("language").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CorruptDataException(file + ": field 'language' has unknown value " + d.get("language"), e);
        }
        model.loadState(dir);
        language = fixedLanguage != null ? fixedLanguage : lang;
    }

    private synchronized String run(String instruction, int maxNewTokens) {
        ensureOpen();
        requireMemory();
        GenerationResult r = model.instruct(instruction, GenerationOptions.greedy(maxNewTokens), TokenListener.NONE);
        return r.text();
    }

    private void requireMemory() {
        if (!model.hasMemory() || language == null && fixedLanguage == null) {
            throw new StateException("nothing memorised: call memorize(text) or load(dir) first");
        }
        if (language == null) {
            language = fixedLanguage;
        }
    }

    private synchronized Prompts prompts() {
        return prompts(language != null ? language : fixedLanguage != null ? fixedLanguage : Language.EN);
    }

    private Prompts prompts(Language lang) {
        Prompts p = fixedPrompts != null ? fixedPrompts : Prompts.forLanguage(lang);
        for (Map.Entry<Prompts.Template, String> e : overrides.entrySet()) {
            p = p.with(e.getKey(), e.getValue());
        }
        return p;
    }

    private static String requireQuery(String q) {
        if (q == null || q.isBlank()) {
            throw new InvalidInputException("query must not be empty");
        }
        return q;
    }

    /** The lines of {@code output} that the pipeline's {@link ClueFilter} keeps, in the memory's language. */
    private synchronized List<String> clues(String output) {
        return new ClueFilter(language != null ? language : fixedLanguage != null ? fixedLanguage : Language.EN)
                .filter(List.of(output));
    }

    private static void deleteQuietly(Path p) {
        try {
            FileTrees.deleteRecursively(p);
        } catch (IOException ignored) {
            // best effort: a leftover hidden staging directory does not affect the previous save
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateException("memory is closed");
        }
    }

    /** Closes the memory (and the model when the builder was told to own it); idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (closeModel) {
                model.close();
            }
        }
    }

    /**
     * Configures a {@link Memory}.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private MemoryModel model;
        private Language language;
        private Prompts prompts;
        private final Map<Prompts.Template, String> overrides = new EnumMap<>(Prompts.Template.class);
        private TokenCounter counter = Cl100kTokenCounter.INSTANCE;
        private long maxTokens;
        private boolean closeModel = true;

        /** The memory model (required). */
        public Builder model(MemoryModel m) {
            model = m;
            return this;
        }

        /** Fixes the prompt language instead of detecting it from the text. */
        public Builder language(Language l) {
            language = l;
            return this;
        }

        /** Uses these templates whatever the language of the text. */
        public Builder prompts(Prompts p) {
            prompts = p;
            return this;
        }

        /** Overrides one template (in every language). */
        public Builder template(Prompts.Template t, String text) {
            overrides.put(Objects.requireNonNull(t, "template"), Objects.requireNonNull(text, "text"));
            return this;
        }

        /** Counts tokens for {@link #maxTokens} (cl100k by default). */
        public Builder tokenCounter(TokenCounter c) {
            counter = Objects.requireNonNull(c, "counter");
            return this;
        }

        /** Rejects texts longer than {@code n} tokens (0 = no limit, the default). */
        public Builder maxTokens(long n) {
            if (n < 0) {
                throw new InvalidInputException("maxTokens must be >= 0, was " + n);
            }
            maxTokens = n;
            return this;
        }

        /** Whether {@link Memory#close()} also closes the model (default true). */
        public Builder closeModel(boolean v) {
            closeModel = v;
            return this;
        }

        public Memory build() {
            if (model == null) {
                throw new InvalidInputException("Memory.Builder: model is required");
            }
            return new Memory(this);
        }
    }
}

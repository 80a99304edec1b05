package dev.memorag.memory.lite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryPrompts;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenListener;
import dev.memorag.prompt.Prompts;
import dev.memorag.text.Cl100kTokenCounter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * MemoRAG-Lite's memory: the text is split into chunks of 4,096 cl100k tokens, each chunk is condensed by a chat
 * model into a gist ({@link MemoryPrompts#gist}, at most 512 new tokens, repetition penalty 1.2, greedy), and the joined
 * gists, wrapped in the context prompt, are the memory. An instruction is answered from the conversation
 * [context turn with the gists, acknowledgement, instruction], so instructions never change the memory.
 *
 * <p>With only a {@link Generator}, the gists are sent again with every instruction. With a
 * {@link Builder#prefill KV-cache memory}, they are prefilled once and every instruction reuses a copy of the cache.
 *
 * <p>The state file {@value #STATE_FILE} is JSON (format name, version, model id, gists); a prefill memory adds its
 * own state file.
 *
 * <p>Thread-safety: thread-safe; calls are serialised on this object.
 */
public final class GistMemoryModel implements MemoryModel {
    /** File written by {@link #saveState}. */
    public static final String STATE_FILE = "gists.json";
    static final String FORMAT = "memorag-gist-memory";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Generator generator;
    private final Encoding encoding;
    private final int chunkTokens;
    private final int gistTokens;
    private final double repetitionPenalty;
    private final MemoryModel prefill;
    private final List<String> gists = new ArrayList<>();
    private MemoryPrompts prompts;
    private long tokensRead;
    private boolean hasMemory;

    private GistMemoryModel(Builder b) {
        this.generator = Objects.requireNonNull(b.generator, "generator");
        this.encoding = Cl100kTokenCounter.INSTANCE.encoding();
        this.chunkTokens = b.chunkTokens;
        this.gistTokens = b.gistTokens;
        this.repetitionPenalty = b.repetitionPenalty;
        this.prefill = b.prefill;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized void memorize(String text, MemoryPrompts p, ProgressListener progress) {
        List<String> fresh = gist(text, p, progress);
        gists.clear();
        gists.addAll(fresh);
        tokensRead = countTokens(text);
        prompts = p;
        hasMemory = true;
        prefillGists(progress);
    }

    /** Reads the joined gists once into the KV-cache model, so instructions reuse that cache. */
    private void prefillGists(ProgressListener progress) {
        if (prefill != null) {
            prefill.memorize(String.join("\n\n", gists), prompts, progress);
        }
    }

    @Override
    public synchronized void append(String text, MemoryPrompts p, ProgressListener progress) {
        if (!hasMemory) {
            memorize(text, p, progress);
            return;
        }
        gists.addAll(gist(text, p, progress));
        tokensRead += countTokens(text);
        prefillGists(progress);
    }

    private List<String> gist(String text, MemoryPrompts p, ProgressListener progress) {
        Objects.requireNonNull(p, "prompts");
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("cannot memorise an empty text");
        }
        List<String> chunks = split(text);
        List<String> out = new ArrayList<>(chunks.size());
        GenerationOptions options = GenerationOptions.builder().maxNewTokens(gistTokens)
                .repetitionPenalty(repetitionPenalty).build();
        for (int i = 0; i < chunks.size(); i++) {
            GenerationResult r = generator.generate(List.of(ChatMessage.user(p.gist(chunks.get(i)))), options);
            out.add(r.text().trim());
            progress.onProgress("gist", i + 1, chunks.size());
        }
        return out;
    }

    /** Splits at cl100k token boundaries into chunks of at most {@code chunkTokens} tokens. */
    List<String> split(String text) {
        IntArrayList ids = encoding.encodeOrdinary(text);
        List<String> out = new ArrayList<>();
        for (int start = 0; start < ids.size(); start += chunkTokens) {
            int end = Math.min(ids.size(), start + chunkTokens);
            IntArrayList part = new IntArrayList(end - start);
            for (int i = start; i < end; i++) {
                part.add(ids.get(i));
            }
            out.add(encoding.decode(part));
        }
        return out;
    }

    private long countTokens(String text) {
        return encoding.countTokensOrdinary(text);
    }

    /** The gists, in text order. */
    public synchronized List<String> gists() {
        return List.copyOf(gists);
    }

    private List<ChatMessage> conversation(String instruction) {
        MemoryPrompts p = prompts != null ? prompts : Prompts.forLanguage(dev.memorag.api.Language.EN);
        List<ChatMessage> m = new ArrayList<>();
        m.add(ChatMessage.user(p.contextTurn(String.join("\n\n", gists))));
        m.add(ChatMessage.assistant(p.contextAcknowledgement()));
        m.add(ChatMessage.user(instruction));
        return m;
    }

    @Override
    public synchronized GenerationResult instruct(String instruction, GenerationOptions options,
            TokenListener listener) {
        if (!hasMemory) {
            throw new StateException("nothing memorised: call memorize(text) or loadState(dir) first");
        }
        if (prefill != null) {
            return prefill.instruct(instruction, options, listener);
        }
        return generator.generate(conversation(instruction), options, listener);
    }

    @Override
    public synchronized boolean hasMemory() {
        return hasMemory;
    }

    @Override
    public synchronized MemoryStats stats() {
        long gistTokens = 0;
        long bytes = 0;
        for (String g : gists) {
            gistTokens += countTokens(g);
            bytes += g.getBytes(StandardCharsets.UTF_8).length;
        }
        return new MemoryStats(tokensRead, gistTokens, bytes, gistTokens == 0 ? 1.0 : (double) tokensRead / gistTokens);
    }

    @Override
    public synchronized void saveState(Path directory) {
        if (!hasMemory) {
            throw new StateException("nothing memorised to save");
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("model", id());
        root.put("language", prompts == null ? "EN" : prompts.language().name());
        root.put("tokens_read", tokensRead);
        ArrayNode arr = root.putArray("gists");
        gists.forEach(arr::add);
        Path file = directory.resolve(STATE_FILE);
        try {
            Files.createDirectories(directory);
            Path tmp = Files.createTempFile(directory, "." + STATE_FILE, ".tmp");
            try {
                Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new StorageException("cannot write gist memory " + file + ": " + e.getMessage(), e);
        }
        if (prefill != null) {
            prefill.saveState(directory);
        }
    }

    @Override
    public synchronized void loadState(Path directory) {
        Path file = directory.resolve(STATE_FILE);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("gist memory file not found: " + file, e);
        } catch (IOException e) {
            throw new CorruptDataException("gist memory " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new CorruptDataException("gist memory " + file + ": field 'format' must be '" + FORMAT
                    + "', was " + (root == null ? null : root.get("format")));
        }
        if (root.path("version").asInt(-1) != VERSION) {
            throw new UnsupportedFormatException("gist memory " + file + ": field 'version' " + root.get("version")
                    + " is not supported (this library reads version " + VERSION + ")");
        }
        JsonNode arr = root.get("gists");
        if (arr == null || !arr.isArray()) {
            throw new CorruptDataException("gist memory " + file + ": field 'gists' missing or not an array");
        }
        List<String> loaded = new ArrayList<>();
        for (JsonNode g : arr) {
            if (!g.isTextual()) {
                throw new CorruptDataException("gist memory " + file + ": field 'gists' holds a non-text entry " + g);
            }
            loaded.add(g.asText());
        }
        dev.memorag.api.Language lang;
        try {
            lang = dev.memorag.api.Language.valueOf(root.path("language").asText("EN"));
        } catch (IllegalArgumentException e) {
            throw new CorruptDataException("gist memory " + file + ": field 'language' has unknown value "
                    + root.get("language"), e);
        }
        gists.clear();
        gists.addAll(loaded);
        tokensRead = root.path("tokens_read").asLong(0);
        prompts = Prompts.forLanguage(lang);
        hasMemory = true;
        if (prefill != null) {
            prefill.loadState(directory);
        }
    }

    @Override
    public String id() {
        return "gist:" + generator.id();
    }

    /** A generator that sees the gists before the given conversation. */
    @Override
    public Generator asGenerator() {
        return new Generator() {
            @Override
            public GenerationResult generate(List<ChatMessage> messages, GenerationOptions options,
                    TokenListener listener) {
                List<ChatMessage> m;
                synchronized (GistMemoryModel.this) {
                    m = hasMemory ? conversation("").subList(0, 2) : List.of();
                }
                List<ChatMessage> all = new ArrayList<>(m);
                all.addAll(messages);
                return generator.generate(all, options, listener);
            }

            @Override
            public String id() {
                return GistMemoryModel.this.id();
            }

            @Override
            public int contextTokens() {
                return generator.contextTokens();
            }
        };
    }

    /** Closes the generator; idempotent when the generator's close is. */
    @Override
    public void close() {
        generator.close();
        if (prefill != null) {
            prefill.close();
        }
    }

    /**
     * Configures a {@link GistMemoryModel}.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private Generator generator;
        private int chunkTokens = 4096;
        private int gistTokens = 512;
        private double repetitionPenalty = 1.2;
        private MemoryModel prefill;

        /** The chat model that writes gists and answers instructions (required). */
        public Builder generator(Generator g) {
            generator = g;
            return this;
        }

        /** Chunk size in cl100k tokens (default 4,096). */
        public Builder chunkTokens(int n) {
            if (n <= 0) {
                throw new InvalidInputException("chunkTokens must be > 0, was " + n);
            }
            chunkTokens = n;
            return this;
        }

        /** Maximum new tokens per gist (default 512). */
        public Builder gistTokens(int n) {
            if (n <= 0) {
                throw new InvalidInputException("gistTokens must be > 0, was " + n);
            }
            gistTokens = n;
            return this;
        }

        /** Repetition penalty while gisting (default 1.2). */
        public Builder repetitionPenalty(double p) {
            if (!(p > 0)) {
                throw new InvalidInputException("repetitionPenalty must be > 0, was " + p);
            }
            repetitionPenalty = p;
            return this;
        }

        /**
         * A KV-cache memory (normally a {@code FullKvMemoryModel} on the same chat model) that prefills the joined
         * gists once and answers every instruction from a copy of that cache, instead of re-sending the gists
         * through the generator each time. Closed with this model.
         */
        public Builder prefill(MemoryModel m) {
            prefill = m;
            return this;
        }

        public GistMemoryModel build() {
            if (generator == null) {
                throw new InvalidInputException("GistMemoryModel.Builder: generator is required");
            }
            return new GistMemoryModel(this);
        }
    }
}

package dev.memorag.memory.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.api.TokenCounter;
import dev.memorag.gguf.GgufCheckpoint;
import dev.memorag.gguf.GgufFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A checkpoint's tokenizer: {@code tokenizer.json} through DJL's Hugging Face tokenizers binding (local files only),
 * plus the special tokens and chat template of {@code tokenizer_config.json}; for a GGUF file, the same built from its
 * embedded vocabulary and chat template.
 *
 * <p>Thread-safety: thread-safe for encode/decode; {@link #close()} must not race with them.
 */
public final class TextTokenizer implements TokenCounter, AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final String eosToken;
    private final String bosToken;
    private final Path directory;
    private volatile boolean closed;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, ChatTemplate chatTemplate, String bosToken,
            String eosToken, Path directory) {
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.directory = directory;
    }

    /** Options for the native tokenizer: no truncation or padding; the runtime checks lengths itself. */
    private static final Map<String, String> OPTIONS = Map.of("addSpecialTokens", "false", "truncation", "false",
            "padding", "false", "maxLength", String.valueOf(Integer.MAX_VALUE));

    /**
     * Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}; or, when {@code dir} is
     * a {@code .gguf} file, the tokenizer and chat template embedded in it.
     *
     * @throws InvalidInputException when tokenizer.json is missing
     */
    public static TextTokenizer load(Path dir) {
        if (GgufFile.isGgufPath(dir)) {
            return loadGguf(dir);
        }
        Path json = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            throw new InvalidInputException("no tokenizer.json in model directory " + dir);
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(json, OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new CorruptDataException(json + ": cannot load tokenizer: " + e.getMessage(), e);
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        ChatTemplate template = null;
        String bos = "";
        String eos = "";
        if (Files.isRegularFile(cfg)) {
            try {
                JsonNode root = new ObjectMapper().readTree(Files.readString(cfg));
                bos = ChatTemplate.tokenText(root.get("bos_token"));
                eos = ChatTemplate.tokenText(root.get("eos_token"));
                if (root.hasNonNull("chat_template")) {
                    template = ChatTemplate.fromTokenizerConfig(cfg);
                }
            } catch (IOException e) {
                tok.close();
                throw new CorruptDataException(cfg + ": invalid JSON: " + e.getMessage(), e);
            }
        }
        return new TextTokenizer(tok, template, bos, eos, dir);
    }

    /** The GGUF's embedded vocabulary as a tokenizer.json tree, fed to the same native tokenizer. */
    private static TextTokenizer loadGguf(Path file) {
        JsonNode json;
        JsonNode cfg;
        try (GgufCheckpoint c = GgufCheckpoint.open(file)) {
            json = c.tokenizerJson();
            cfg = c.tokenizerConfig();
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(new ObjectMapper().writeValueAsBytes(json)),
                    OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new CorruptDataException(file + ": cannot build a tokenizer from the embedded vocabulary: "
                    + e.getMessage(), e);
        }
        String bos = ChatTemplate.tokenText(cfg.get("bos_token"));
        String eos = ChatTemplate.tokenText(cfg.get("eos_token"));
        ChatTemplate template = cfg.hasNonNull("chat_template")
                ? new ChatTemplate(cfg.get("chat_template").asText(), bos, eos) : null;
        return new TextTokenizer(tok, template, bos, eos, file);
    }

    /** Token ids of {@code text}, without adding BOS/EOS (chat templates carry their own). */
    public int[] encode(String text) {
        ensureOpen();
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** Text of {@code ids}; special tokens are dropped when {@code skipSpecial}. */
    public String decode(int[] ids, boolean skipSpecial) {
        ensureOpen();
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecial);
    }

    @Override
    public int count(String text) {
        return encode(text).length;
    }

    /** The id of a single (special) token, if the vocabulary has it as one token. */
    public Optional<Integer> tokenId(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        int[] ids = encode(token);
        return ids.length == 1 ? Optional.of(ids[0]) : Optional.empty();
    }

    /** tokenizer_config.json's {@code eos_token} ("" when none). */
    public String eosToken() {
        return eosToken;
    }

    /** tokenizer_config.json's {@code bos_token} ("" when none). */
    public String bosToken() {
        return bosToken;
    }

    /** The chat template, if tokenizer_config.json has one. */
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    /**
     * The chat template.
     *
     * @throws ModelException when the checkpoint has none
     */
    public ChatTemplate requireChatTemplate() {
        if (chatTemplate == null) {
            throw new ModelException((GgufFile.isGgufPath(directory) ? directory + ": metadata 'tokenizer.chat_template'"
                    : directory.resolve("tokenizer_config.json") + ": field 'chat_template'") + " is missing;"
                    + " a chat model is required");
        }
        return chatTemplate;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateException("tokenizer " + directory + " is closed");
        }
    }

    /** Releases the native tokenizer; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            tokenizer.close();
        }
    }
}

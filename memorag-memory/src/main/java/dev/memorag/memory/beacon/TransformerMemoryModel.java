package dev.memorag.memory.beacon;

import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryPrompts;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenCounter;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import dev.memorag.memory.state.MemoryStateFile;
import dev.memorag.memory.state.StorageType;
import dev.memorag.memory.text.ChatTemplate;
import dev.memorag.memory.text.TextTokenizer;
import dev.memorag.prompt.Prompts;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link MemoryModel} on a {@link BeaconTransformer}: the text is wrapped as MemoRAG does (a user turn with the
 * context prompt, the assistant's acknowledgement, then the chat template's generation prompt, which the reference
 * also appends), read once, and snapshotted; every instruction restores the snapshot, feeds its user turn and
 * generates. The state is saved as {@value MemoryStateFile#FILE_NAME}.
 *
 * <p>Thread-safety: thread-safe; calls are serialised on this object.
 */
public abstract class TransformerMemoryModel implements MemoryModel {
    private final BeaconTransformer lm;
    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final String id;
    private final Set<Integer> eosIds = new HashSet<>();
    private final long maxContextTokens;
    private final StorageType storage;
    private boolean closed;

    protected TransformerMemoryModel(BeaconTransformer lm, TextTokenizer tokenizer, String id, long maxContextTokens,
            StorageType storage) {
        this.lm = Objects.requireNonNull(lm, "lm");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.template = tokenizer.requireChatTemplate();
        this.id = Objects.requireNonNull(id, "id");
        this.maxContextTokens = maxContextTokens;
        this.storage = Objects.requireNonNull(storage, "storage");
        eosIds.addAll(lm.config().base().eosTokenIds());
        tokenizer.tokenId(tokenizer.eosToken()).ifPresent(eosIds::add);
    }

    /** The transformer (id-level API: golden protocol, tracing, benchmarks). */
    public BeaconTransformer transformer() {
        return lm;
    }

    private List<ChatMessage> contextTurns(String text, MemoryPrompts prompts) {
        return List.of(ChatMessage.user(prompts.contextTurn(text)),
                ChatMessage.assistant(prompts.contextAcknowledgement()));
    }

    @Override
    public synchronized void memorize(String text, MemoryPrompts prompts, ProgressListener progress) {
        ensureOpen();
        int[] ids = encodeContext(text, prompts);
        requireFits(ids.length, 0);
        lm.reset();
        feed(ids, progress);
        lm.snapshot();
    }

    @Override
    public synchronized void append(String text, MemoryPrompts prompts, ProgressListener progress) {
        ensureOpen();
        if (!lm.hasSnapshot()) {
            memorize(text, prompts, progress);
            return;
        }
        int[] ids = encodeContext(text, prompts);
        requireFits(ids.length, lm.tokensRead());
        lm.restoreSnapshot();
        feed(ids, progress);
        lm.snapshot();
    }

    @Override
    public synchronized void requireCapacity(List<String> texts, MemoryPrompts prompts, boolean appending) {
        ensureOpen();
        long tokens = 0;
        for (String text : texts) {
            tokens += encodeContext(text, prompts).length;
        }
        requireFits(tokens, appending && lm.hasSnapshot() ? lm.snapshotTokensRead() : 0);
    }

    private int[] encodeContext(String text, MemoryPrompts prompts) {
        Objects.requireNonNull(prompts, "prompts");
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("cannot memorise an empty text");
        }
        return tokenizer.encode(template.render(contextTurns(text, prompts), true));
    }

    /**
     * Throws unless {@code tokens} more fit after {@code held}: within the {@code max_tokens} limit, and within the
     * positions of the model with one window to spare for questions (so reading never fails half-way, and neither do
     * the questions after it).
     */
    private void requireFits(long tokens, long held) {
        long total = held + tokens;
        String what = "the text is " + tokens + " tokens with its prompt"
                + (held > 0 ? " and the memory holds " + held + " already" : "") + ",";
        if (maxContextTokens > 0 && total > maxContextTokens) {
            throw new InvalidInputException(what + " more than the limit of " + maxContextTokens + " of " + id
                    + " (option " + LocalMemoryModelProvider.MAX_TOKENS + ")");
        }
        int ratio = lm.smallestRatio();
        long capacity = lm.capacityTokens(ratio);
        if (total <= capacity) {
            return;
        }
        int positions = lm.config().maxPositions();
        StringBuilder fix = new StringBuilder("; to fit it, ");
        if (lm.compresses()) {
            for (int r = 2 * ratio; r <= lm.config().window(); r *= 2) {
                if (lm.config().window() % r == 0 && lm.capacityTokens(r) >= total) {
                    fix.append("read it at a higher compression ratio (MemoRAGBuilder.beaconRatio(").append(r)
                            .append(") (CLI: --beacon-ratio ").append(r).append(")), ");
                    break;
                }
            }
        } else {
            fix.append("use a beacon checkpoint, which compresses, ");
        }
        fix.append("use MemoRAG-Lite (MemoRAG.lite(chatModel) (CLI: --memory-model lite:CHAT_MODEL)), or split the "
                + "text into parts memorised into separate saves");
        throw new InvalidInputException(what + " more than memory model " + id + " can read: " + capacity
                + " tokens (max_position_embeddings " + positions
                + (lm.compresses() ? ", beacon window " + lm.config().window() + " at ratio " + ratio
                        + ", one window kept free for questions" : "")
                + ")" + fix);
    }

    private void feed(int[] ids, ProgressListener progress) {
        // window-sized pieces: the carried cursors make this equal to one pass, and give progress per window
        int piece = lm.config().window();
        for (int off = 0; off < ids.length; off += piece) {
            int end = Math.min(ids.length, off + piece);
            lm.feed(Arrays.copyOfRange(ids, off, end), false);
            progress.onProgress("memorize", end, ids.length);
        }
    }

    /** The tokens of one more user turn after the memorised conversation. */
    private int[] instructionIds(String instruction) {
        List<ChatMessage> prefix = contextTurns("", Prompts.forLanguage(dev.memorag.api.Language.EN));
        String before = template.render(prefix, false);
        List<ChatMessage> all = new java.util.ArrayList<>(prefix);
        all.add(ChatMessage.user(instruction));
        String full = template.render(all, true);
        String turn = full.startsWith(before) ? full.substring(before.length())
                : template.render(List.of(ChatMessage.user(instruction)), true);
        return tokenizer.encode(turn);
    }

    @Override
    public synchronized GenerationResult instruct(String instruction, GenerationOptions options,
            TokenListener listener) {
        ensureOpen();
        if (!lm.hasSnapshot()) {
            throw new StateException("nothing memorised in " + id + ": call memorize(text) or loadState(dir) first");
        }
        lm.restoreSnapshot();
        int[] prompt = instructionIds(instruction);
        StringBuilder text = new StringBuilder();
        java.util.List<Integer> out = new java.util.ArrayList<>();
        boolean[] stopped = new boolean[1];
        int[] tokens = lm.generate(prompt, options, t -> {
            if (eosIds.contains(t)) {
                stopped[0] = true;
                return true;
            }
            return stopString(options, decode(out, -1)) >= 0;
        }, t -> {
            if (!eosIds.contains(t)) {
                String before = decode(out, -1);
                out.add(t);
                String now = decode(out, -1);
                if (now.startsWith(before)) {
                    listener.onText(now.substring(before.length()));
                }
            }
        }, null);
        text.append(decode(out, -1));
        int cut = stopString(options, text.toString());
        FinishReason reason = stopped[0] || cut >= 0 ? FinishReason.STOP
                : tokens.length >= options.maxNewTokens() ? FinishReason.LENGTH : FinishReason.STOP;
        String result = cut >= 0 ? text.substring(0, cut) : text.toString();
        lm.restoreSnapshot();
        return new GenerationResult(result, reason, new TokenUsage(prompt.length, tokens.length));
    }

    /**
     * This memory model as a generator, MemoRAG's default: the conversation's system and user turns are joined into one
     * user turn fed after the restored memory, so the memory stays visible while answering. Assistant turns are
     * refused because the memory protocol has no place for them.
     */
    @Override
    public Generator asGenerator() {
        return new MemoryGenerator();
    }

    /**
     * The memory model answering as a generator. It counts prompts in its own tokens, and its context is what still
     * fits after the memory: the prompt and answer take positions for their beacons too.
     */
    private final class MemoryGenerator implements Generator, TokenCounter {
        @Override
        public GenerationResult generate(List<ChatMessage> messages, GenerationOptions options,
                TokenListener listener) {
            if (messages.isEmpty()) {
                throw new InvalidInputException("messages must not be empty");
            }
            StringBuilder turn = new StringBuilder();
            for (ChatMessage m : messages) {
                if (m.role() == ChatMessage.Role.ASSISTANT) {
                    throw new InvalidInputException(
                            "the memory model's generator takes system and user turns only, got an assistant turn");
                }
                if (turn.length() > 0) {
                    turn.append("\n\n");
                }
                turn.append(m.content());
            }
            return instruct(turn.toString(), options, listener);
        }

        @Override
        public String id() {
            return TransformerMemoryModel.this.id();
        }

        @Override
        public int contextTokens() {
            return (int) Math.min(Integer.MAX_VALUE, lm.tokensThatFit(stats().kvEntries()));
        }

        @Override
        public int count(String text) {
            return tokenizer.encode(text).length;
        }
    }

    private String decode(List<Integer> ids, int extra) {
        int[] a = new int[ids.size() + (extra >= 0 ? 1 : 0)];
        for (int i = 0; i < ids.size(); i++) {
            a[i] = ids.get(i);
        }
        if (extra >= 0) {
            a[a.length - 1] = extra;
        }
        return tokenizer.decode(a, true);
    }

    private static int stopString(GenerationOptions options, String text) {
        int best = -1;
        for (String s : options.stop()) {
            int i = text.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public synchronized boolean hasMemory() {
        return !closed && lm.hasSnapshot();
    }

    @Override
    public synchronized MemoryStats stats() {
        ensureOpen();
        if (!lm.hasSnapshot()) {
            return new MemoryStats(0, 0, 0, 1.0);
        }
        long entries = lm.snapshotEntries();
        long read = lm.snapshotTokensRead();
        return new MemoryStats(read, entries, lm.kvBytes(entries), entries == 0 ? 1.0 : (double) read / entries);
    }

    @Override
    public synchronized void saveState(Path directory) {
        ensureOpen();
        MemoryStateFile.write(directory.resolve(MemoryStateFile.FILE_NAME), lm.exportSnapshot(), storage);
    }

    @Override
    public synchronized void loadState(Path directory) {
        ensureOpen();
        lm.importState(MemoryStateFile.read(directory.resolve(MemoryStateFile.FILE_NAME), lm.fingerprint()));
    }

    @Override
    public String id() {
        return id;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateException(id + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            lm.close();
            tokenizer.close();
        }
    }
}
